// StenoFeatures
