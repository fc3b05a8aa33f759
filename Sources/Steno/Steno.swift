// The library's face: `import Steno` brings the audio frontend and the features with it.
@_exported import StenoAudio
@_exported import StenoFeatures
