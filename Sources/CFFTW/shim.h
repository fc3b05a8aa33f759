// Shim over the system header, found with pkg-config. No stable API of its own:
// only StenoFeatures imports this module, and no C type is visible above it.
#include <fftw3.h>
