// The library's face: `import Steno` brings every stage with it.
@_exported import StenoAudio
@_exported import StenoCTC
@_exported import StenoFeatures
@_exported import StenoLM
@_exported import StenoNN
