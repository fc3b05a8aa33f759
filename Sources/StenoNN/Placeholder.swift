// StenoNN
