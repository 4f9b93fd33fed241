// The Shakespeare tab: reads the settings form, runs charlm-worker.js (one worker per run; Stop terminates it),
// draws the loss per step live, shows tokens/s, and appends each streamed sample to the text area.
// Start always begins a new run from fresh weights with the form's settings.
import { drawLossChart } from './chart.js';

const $ = (id) => document.getElementById(id);
const CHART = { xLabel: 'step', yLabel: 'loss (bits/char)' };

/** Form fields that go into the model's config (examples/char-lm/model.mjs), the rest are sampling settings. */
const CONFIG_FIELDS = ['hiddenSize', 'numLayers', 'seqLength', 'batchSize', 'lr'];
/** Fixed for the browser: no dropout and a constant learning rate, so the loss falls from the first steps on. */
const FIXED_CONFIG = { cell: 'lstm', embeddingDim: 64, dropout: 0, schedule: 'constant', steps: 1_000_000, seed: 0 };
const SAMPLE_LENGTH = 200;

/** The run's record, for anyone inspecting the page (the browser test reads it): losses [step, bits], samples. */
const run = { losses: [], samples: [], running: false, settings: null };
let worker = null;

function settingsFromForm(form) {
  const fields = new FormData(form);
  const number = (name) => Number(fields.get(name));
  return {
    config: { ...FIXED_CONFIG, ...Object.fromEntries(CONFIG_FIELDS.map((name) => [name, number(name)])) },
    sampleEvery: Math.max(1, Math.round(number('sampleEvery'))),
    sampleLength: SAMPLE_LENGTH,
    prime: String(fields.get('prime')) || '\n',
    temperature: number('temperature'),
  };
}

function setRunning(running, message) {
  run.running = running;
  $('charlm-button').textContent = running ? 'Stop' : 'Start';
  for (const input of $('charlm-form').querySelectorAll('input')) input.disabled = running;
  $('charlm-status').dataset.state = running ? 'running' : 'stopped';
  if (message !== undefined) $('charlm-status').textContent = message;
}

function stop(message) {
  worker?.terminate();
  worker = null;
  const last = run.losses.at(-1);
  setRunning(false, message ?? (last ? `stopped at step ${last[0]}, loss ${last[1].toFixed(3)} bits/char` : 'stopped'));
}

const handlers = {
  'charlm-start'({ backend, parameters, vocabulary, characters }) {
    $('charlm-status').textContent = `training: ${parameters.toLocaleString('en')} parameters, ${vocabulary} characters `
      + `in the vocabulary, ${characters.toLocaleString('en')} characters of text (kernels: ${backend})`;
  },
  'charlm-step'({ step, loss, tokensPerSecond }) {
    run.losses.push([step, loss]);
    drawLossChart($('charlm-chart'), run.losses, CHART);
    $('charlm-status').textContent = `step ${step.toLocaleString('en')}, loss ${loss.toFixed(3)} bits/char, `
      + `${Math.round(tokensPerSecond).toLocaleString('en')} tokens/s`;
  },
  'charlm-sample'({ step, text }) {
    run.samples.push({ step, text });
    const area = $('charlm-samples');
    area.value += `${area.value ? '\n\n' : ''}── step ${step} (temperature ${run.settings.temperature}) ──\n${text}`;
    area.scrollTop = area.scrollHeight;
  },
  'charlm-done'({ step }) {
    stop(`done: ${step.toLocaleString('en')} steps`);
  },
  error({ message }) {
    stop();
    $('charlm-status').replaceChildren(Object.assign(document.createElement('span'), { className: 'error', textContent: message }));
  },
};

function start() {
  run.losses.length = 0;
  run.samples.length = 0;
  $('charlm-samples').value = '';
  drawLossChart($('charlm-chart'), run.losses, CHART);
  const settings = settingsFromForm($('charlm-form')); // before setRunning: FormData skips disabled inputs
  run.settings = settings;
  const current = new Worker(new URL('./charlm-worker.js', import.meta.url), { type: 'module' });
  worker = current;
  // messages already queued when a run is stopped are dropped
  current.onmessage = ({ data }) => { if (worker === current) handlers[data.type]?.(data); };
  current.onerror = (event) => { if (worker === current) handlers.error({ message: `charlm worker failed: ${event.message}` }); };
  setRunning(true, 'loading data/tinyshakespeare/input.txt…');
  current.postMessage({ type: 'start', ...settings });
}

/** Wires the tab's form; returns `redraw()`, for when the tab becomes visible (a hidden canvas has no size). */
export function setUpShakespeare() {
  globalThis.demo.shakespeare = run;
  $('charlm-form').addEventListener('submit', (event) => {
    event.preventDefault();
    if (run.running) stop();
    else start();
  });
  const redraw = () => drawLossChart($('charlm-chart'), run.losses, CHART);
  redraw();
  return redraw;
}
