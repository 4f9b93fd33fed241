// The demo page: starts the worker, trains 'hello' -> 'ohlol' and then the names classifier there, draws each
// loss curve as it arrives, and classifies the names typed into the box (answered between training slices).
// The Shakespeare tab (shakespeare.js) trains a character-level language model in a worker of its own.
// URL parameters (all optional): iterations, plotEvery, seed (names), helloSeed, epochs (hello);
// #shakespeare opens that tab.
import { drawLossChart } from './chart.js';
import { setUpShakespeare } from './shakespeare.js';

const params = new URLSearchParams(location.search);
const numberParam = (name, fallback) => (params.has(name) ? Number(params.get(name)) : fallback);
const settings = {
  hello: { seed: numberParam('helloSeed', 7), epochs: numberParam('epochs', 15) },
  names: { iterations: numberParam('iterations', 50_000), plotEvery: numberParam('plotEvery', 500), seed: numberParam('seed', 0) },
};

const $ = (id) => document.getElementById(id);
/** What happened when (main-thread clock), for anyone inspecting the page (the browser test reads it). */
const timeline = [];
globalThis.demo = { timeline, settings };
const mark = (event) => timeline.push({ event, t: performance.now() });

const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
const helloPoints = [];
const namesPoints = [];
let predictions = 0;

const handlers = {
  ready({ backend, threads }) {
    $('status').textContent = `kernels: ${backend} · cross-origin isolated: ${globalThis.crossOriginIsolated ? 'yes' : 'no'}` +
      ` · threads: ${threads}`;
    mark('hello-start');
    worker.postMessage({ type: 'hello', ...settings.hello });
  },
  'hello-epoch'({ epoch, loss, predicted }) {
    helloPoints.push([epoch, loss]);
    drawNamesCharts();
    $('hello-result').textContent = `${predicted} (epoch ${epoch}, loss ${loss.toFixed(4)})`;
  },
  'hello-done'() {
    mark('hello-done');
    $('names-status').textContent = 'loading data/names…';
    worker.postMessage({ type: 'names', ...settings.names });
  },
  'names-start'({ names }) {
    mark('names-start');
    $('names-status').textContent = `training on ${names.toLocaleString('en')} names…`;
    $('name-input').disabled = false;
    $('predict-button').disabled = false;
  },
  'names-loss'({ iteration, loss }) {
    namesPoints.push([iteration, loss]);
    drawNamesCharts();
    $('names-status').textContent = `iteration ${iteration.toLocaleString('en')} of ${settings.names.iterations.toLocaleString('en')}, loss ${loss.toFixed(3)}`;
  },
  'names-done'({ iterations, seconds }) {
    mark('names-done');
    const last = namesPoints.at(-1);
    $('names-status').textContent = `trained: ${iterations.toLocaleString('en')} iterations in ${seconds.toFixed(1)} s` +
      (last ? `, final loss ${last[1].toFixed(3)}` : '');
    $('names-status').dataset.state = 'done';
  },
  prediction({ name, top }) {
    const list = $('prediction');
    list.replaceChildren(...top.map(({ language, probability }) => {
      const item = document.createElement('li');
      item.textContent = `${language} ${(probability * 100).toFixed(1)}%`;
      return item;
    }));
    list.dataset.name = name;
    list.dataset.count = String(++predictions);
  },
  error({ request, message }) {
    const target = request === 'predict' ? $('prediction') : $('status');
    target.replaceChildren(Object.assign(document.createElement('span'), { className: 'error', textContent: message }));
  },
};

worker.onmessage = ({ data }) => handlers[data.type]?.(data);
worker.onerror = (event) => handlers.error({ message: `worker failed: ${event.message}` });

$('predict-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const name = $('name-input').value.trim();
  if (name) worker.postMessage({ type: 'predict', name });
});

function drawNamesCharts() {
  drawLossChart($('hello-chart'), helloPoints, { xLabel: 'epoch', yLabel: 'loss (sum of 5 steps)' });
  drawLossChart($('names-chart'), namesPoints, { xLabel: 'iteration', yLabel: `mean loss per ${settings.names.plotEvery}` });
}

/** Redraws of each tab's charts, run when the tab is shown (a canvas in a hidden panel has no size). */
const redraws = { names: drawNamesCharts, shakespeare: setUpShakespeare() };

function showTab(name) {
  for (const tab of document.querySelectorAll('[role=tab]')) {
    const selected = tab.id === `tab-${name}`;
    tab.setAttribute('aria-selected', String(selected));
    $(tab.getAttribute('aria-controls')).hidden = !selected;
  }
  redraws[name]();
}

for (const tab of document.querySelectorAll('[role=tab]')) {
  const name = tab.id.slice('tab-'.length);
  tab.addEventListener('click', () => {
    history.replaceState(null, '', `#${name}`);
    showTab(name);
  });
}
showTab(location.hash === '#shakespeare' ? 'shakespeare' : 'names');
