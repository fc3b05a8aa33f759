// Steno's capture worklet: takes the microphone's samples at the audio context's rate, low-pass
// filters and resamples them to the server's rate with a windowed-sinc kernel, and posts 16-bit
// little-endian PCM to the page in blocks of 100 ms (ArrayBuffers, transferred).
//
// processorOptions: { targetRate: Hz the server wants (16000) }.

class PCMResampler extends AudioWorkletProcessor {
  constructor(options) {
    super();
    this.targetRate = options.processorOptions.targetRate;
    this.ratio = sampleRate / this.targetRate;             // input samples per output sample
    // Cut-off a little below the lower Nyquist frequency, in cycles per input sample.
    this.cutoff = 0.45 * Math.min(1, 1 / this.ratio);
    this.halfWidth = Math.ceil(8 * Math.max(1, this.ratio)); // kernel half-width, input samples
    this.input = new Float32Array(0);                       // unconsumed input, with history
    this.inputOffset = 0;                                   // stream index of input[0]
    this.nextOutput = 0;                                    // index of the next output sample
    this.block = new Int16Array(Math.round(this.targetRate / 10));
    this.blockLength = 0;
    this.running = true;
    this.port.onmessage = (event) => {
      if (event.data === 'flush') {
        this.post();
        this.port.postMessage('flushed');
      } else if (event.data === 'stop') {
        this.running = false;
      }
    };
  }

  kernel(distance) {
    const x = distance / this.halfWidth;
    if (x <= -1 || x >= 1) return 0;
    const window = 0.42 + 0.5 * Math.cos(Math.PI * x) + 0.08 * Math.cos(2 * Math.PI * x); // Blackman
    const arg = 2 * this.cutoff * distance;
    const sinc = arg === 0 ? 1 : Math.sin(Math.PI * arg) / (Math.PI * arg);
    return 2 * this.cutoff * sinc * window;
  }

  process(inputs) {
    const channels = inputs[0];
    if (!this.running) return false;
    if (!channels || channels.length === 0) return true;
    // Mix to mono and append.
    const frames = channels[0].length;
    const joined = new Float32Array(this.input.length + frames);
    joined.set(this.input);
    for (let i = 0; i < frames; i++) {
      let sum = 0;
      for (let c = 0; c < channels.length; c++) sum += channels[c][i];
      joined[this.input.length + i] = sum / channels.length;
    }
    this.input = joined;
    const end = this.inputOffset + this.input.length;     // stream index one past the last sample
    // Produce every output sample whose kernel lies within the samples we have.
    for (;;) {
      const position = this.nextOutput * this.ratio;       // in input samples
      const centre = Math.floor(position);
      if (centre + this.halfWidth >= end) break;
      let sum = 0;
      for (let k = centre - this.halfWidth + 1; k <= centre + this.halfWidth; k++) {
        const index = k - this.inputOffset;
        if (index < 0) continue;                           // before the stream: silence
        sum += this.input[index] * this.kernel(position - k);
      }
      const clamped = Math.max(-1, Math.min(1, sum));
      this.block[this.blockLength++] = clamped < 0 ? clamped * 32768 : clamped * 32767;
      if (this.blockLength === this.block.length) this.post();
      this.nextOutput++;
    }
    // Keep only the history the next outputs need.
    const keepFrom = Math.floor(this.nextOutput * this.ratio) - this.halfWidth;
    const drop = keepFrom - this.inputOffset;
    if (drop > 0) {
      this.input = this.input.slice(drop);
      this.inputOffset += drop;
    }
    return true;
  }

  post() {
    if (this.blockLength === 0) return;
    const bytes = new ArrayBuffer(this.blockLength * 2);
    const view = new DataView(bytes);
    for (let i = 0; i < this.blockLength; i++) view.setInt16(2 * i, this.block[i], true);
    this.blockLength = 0;
    this.port.postMessage(bytes, [bytes]);
  }
}

registerProcessor('pcm-resampler', PCMResampler);
