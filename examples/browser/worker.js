// The demo's Web Worker: all training and prediction runs here, so the page stays responsive.
// It imports the browser bundle by path; with a bundler (or an import map, where workers support them) this
// line reads `import * as torch from 'wasmtorch'`. Importing is enough: no init call before the first op.
//
// Messages in:  { type: 'hello', seed, epochs }
//               { type: 'names', iterations, plotEvery, seed, hiddenSize, learningRate }
//               { type: 'predict', id, name }
// Messages out: { type: 'ready', backend, threads }, { type: 'hello-epoch', epoch, loss, predicted }, { type: 'hello-done' },
//               { type: 'names-start', names }, { type: 'names-loss', iteration, loss },
//               { type: 'names-done', iterations, seconds }, { type: 'prediction', id, name, top }, { type: 'error', ... }
import * as torch from '../../dist/browser.mjs';
import { trainHello } from './hello.js';
import { LANGUAGES, createClassifier, loadTrainingNames, seededRandom } from './names.js';

const DATA_URL = new URL('../../data/names/', import.meta.url);
/** Training runs in slices of about this many milliseconds, so prediction requests are answered in between. */
const SLICE_MS = 30;

let classifier = null;

const post = (message) => self.postMessage(message);
const yieldToMessages = () => new Promise((resolve) => setTimeout(resolve, 0));

function hello({ seed, epochs }) {
  trainHello(torch, { seed, epochs, onEpoch: (e) => post({ type: 'hello-epoch', ...e }) });
  post({ type: 'hello-done' });
}

async function names({ iterations = 50_000, plotEvery = 500, seed = 0, hiddenSize = 128, learningRate = 0.005 }) {
  const training = await loadTrainingNames(DATA_URL);
  classifier = createClassifier(torch, { hiddenSize, seed });
  const random = seededRandom(seed);
  post({ type: 'names-start', names: training.reduce((n, lines) => n + lines.length, 0) });
  const start = performance.now();
  let sum = 0;
  for (let iteration = 1; iteration <= iterations;) {
    const sliceEnd = performance.now() + SLICE_MS;
    for (; iteration <= iterations && performance.now() < sliceEnd; iteration++) {
      const languageIndex = Math.floor(random() * LANGUAGES.length);
      const lines = training[languageIndex];
      sum += classifier.trainStep(lines[Math.floor(random() * lines.length)], languageIndex, learningRate);
      if (iteration % plotEvery === 0) {
        post({ type: 'names-loss', iteration, loss: sum / plotEvery });
        sum = 0;
      }
    }
    await yieldToMessages();
  }
  post({ type: 'names-done', iterations, seconds: (performance.now() - start) / 1000 });
}

function predict({ id, name }) {
  if (classifier === null) throw new Error('predict: the classifier has not started training yet');
  post({ type: 'prediction', id, name, top: classifier.predict(name, 3) });
}

const handlers = { hello, names, predict };

self.onmessage = async ({ data }) => {
  try {
    const handler = handlers[data.type];
    if (handler === undefined) throw new Error(`worker: unknown message type ${JSON.stringify(data.type)}`);
    await handler(data);
  } catch (err) {
    post({ type: 'error', request: data.type, id: data.id, message: err instanceof Error ? err.message : String(err) });
  }
};

post({ type: 'ready', backend: torch.backend(), threads: torch.getNumThreads() });
