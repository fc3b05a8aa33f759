// Steno's web page: live microphone recognition over the Vosk WebSocket protocol, and file upload
// to POST /transcribe. No build step, no dependencies.
//
// ?autostart=SECONDS starts the microphone when the page loads and stops it after SECONDS (for
// tools/browser_check.py); document.body.dataset.state is then "done".

'use strict';

const $ = (id) => document.getElementById(id);
let capture = null; // { context, source, node, stream, socket }

function setStatus(text, isError) {
  $('status').textContent = text;
  $('status').className = isError ? 'error' : '';
}

function addFinal(message) {
  const item = document.createElement('li');
  item.textContent = message.text;
  if (typeof message.start === 'number') {
    const time = document.createElement('span');
    time.className = 'time';
    time.textContent = `${message.start.toFixed(2)}–${message.end.toFixed(2)} s`;
    item.appendChild(time);
  }
  $('finals').appendChild(item);
}

async function serverRate() {
  const response = await fetch('status');
  if (!response.ok) throw new Error(`GET /status: ${response.status}`);
  return (await response.json()).sample_rate;
}

async function start() {
  $('start').disabled = true;
  try {
    const rate = await serverRate();
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false },
    });
    const context = new AudioContext();
    await context.audioWorklet.addModule('pcm-worklet.js');
    const source = context.createMediaStreamSource(stream);
    const node = new AudioWorkletNode(context, 'pcm-resampler', {
      numberOfOutputs: 0,
      processorOptions: { targetRate: rate },
    });
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const socket = new WebSocket(`${scheme}://${location.host}/`);
    socket.binaryType = 'arraybuffer';
    capture = { context, source, node, stream, socket };
    await new Promise((resolve, reject) => {
      socket.onopen = resolve;
      socket.onerror = () => reject(new Error('cannot connect to the WebSocket'));
    });
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      if ('partial' in message) {
        $('partial').textContent = message.partial;
      } else if ('text' in message) {
        $('partial').textContent = '';
        if (message.text) addFinal(message);
      }
    };
    socket.onclose = (event) => {
      const clean = event.code === 1000;
      setStatus(clean ? 'stopped' : `closed: ${event.code} ${event.reason}`, !clean);
      stopCapture();
      $('start').disabled = false;
      $('stop').disabled = true;
      document.body.dataset.state = 'done';
    };
    socket.send(JSON.stringify({ config: { sample_rate: rate, words: true } }));
    node.port.onmessage = (event) => {
      if (event.data instanceof ArrayBuffer && socket.readyState === WebSocket.OPEN) socket.send(event.data);
    };
    source.connect(node);
    setStatus(`listening (${context.sampleRate} Hz → ${rate} Hz)`);
    $('stop').disabled = false;
    document.body.dataset.state = 'listening';
  } catch (error) {
    setStatus(`cannot start: ${error.message}`, true);
    stopCapture();
    $('start').disabled = false;
    document.body.dataset.state = 'done';
  }
}

function stopCapture() {
  if (!capture) return;
  capture.source.disconnect();
  capture.node.port.postMessage('stop');
  capture.stream.getTracks().forEach((track) => track.stop());
  capture.context.close();
  capture = null;
}

async function stop() {
  if (!capture) return;
  $('stop').disabled = true;
  const { node, socket } = capture;
  // Send what the worklet still holds, then end the stream; the server answers with the final result.
  await new Promise((resolve) => {
    const previous = node.port.onmessage;
    node.port.onmessage = (event) => {
      if (event.data === 'flushed') resolve(); else previous(event);
    };
    node.port.postMessage('flush');
    setTimeout(resolve, 500);
  });
  if (capture) capture.source.disconnect();
  if (socket.readyState === WebSocket.OPEN) socket.send('{"eof" : 1}');
  setStatus('finishing…');
}

async function upload(file) {
  $('upload-status').textContent = `transcribing ${file.name}…`;
  $('upload-status').className = '';
  $('upload-text').textContent = '';
  $('upload-words').textContent = '';
  try {
    const response = await fetch(`transcribe?name=${encodeURIComponent(file.name)}`, { method: 'POST', body: file });
    const result = await response.json();
    if (!response.ok) throw new Error(result.error || `HTTP ${response.status}`);
    $('upload-status').textContent = `${file.name}: ${result.duration.toFixed(2)} s of audio`;
    $('upload-text').textContent = result.text || '(no speech recognised)';
    $('upload-words').textContent = result.words
      .map((word) => `${word.word} ${word.start.toFixed(2)}–${word.end.toFixed(2)}`)
      .join(' · ');
  } catch (error) {
    $('upload-status').textContent = `error: ${error.message}`;
    $('upload-status').className = 'error';
  }
}

$('start').onclick = start;
$('stop').onclick = stop;
$('file-input').onchange = (event) => {
  if (event.target.files.length > 0) upload(event.target.files[0]);
};

const autostart = parseFloat(new URLSearchParams(location.search).get('autostart'));
if (autostart > 0) {
  start().then(() => setTimeout(stop, autostart * 1000));
}
