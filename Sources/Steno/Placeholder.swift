// Steno
