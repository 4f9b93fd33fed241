// The Shakespeare tab's Web Worker: one training run of the character-level LSTM of examples/char-lm/ on tiny
// Shakespeare, from its one message until the page terminates it (the page stops a run by terminating the
// worker and starts each run in a new one, so nothing here needs to be told to stop or to free the model).
// model.mjs and data.mjs take `torch` as an argument and use no Node built-ins, so they are imported as they are.
//
// Message in:   { type: 'start', config, sampleEvery, sampleLength, prime, temperature }
//               (config: overrides of examples/char-lm/model.mjs's DEFAULT_CONFIG)
// Messages out: { type: 'charlm-start', backend, parameters, vocabulary, characters }
//               { type: 'charlm-step', step, loss, tokensPerSecond }   loss: bits per character of that step's window
//               { type: 'charlm-sample', step, text }                   prime + sampleLength sampled characters
//               { type: 'charlm-done', step }                           after config.steps steps
//               { type: 'error', message }
import * as torch from '../../dist/browser.mjs';
import { CharVocab, splitIds, StreamBatcher } from '../char-lm/data.mjs';
import { createCharLM, createOptimizer, resolveConfig, sample, seededRandom, trainStep } from '../char-lm/model.mjs';

const DATA_URL = new URL('../../data/tinyshakespeare/input.txt', import.meta.url);

const post = (message) => self.postMessage(message);

async function loadText() {
  const response = await fetch(DATA_URL);
  if (!response.ok) throw new Error(`charlm worker: ${DATA_URL} answered HTTP ${response.status}`);
  return response.text();
}

/** Trains on the first 90% of the text (the split of examples/char-lm/), sampling every `sampleEvery` steps. */
async function train({ config: overrides, sampleEvery, sampleLength, prime, temperature }) {
  const config = resolveConfig(overrides);
  const text = await loadText();
  const vocab = CharVocab.fromText(text);
  vocab.encode(prime); // a prime character outside the vocabulary throws before training starts
  const batches = new StreamBatcher(splitIds(vocab.encode(text)).train, config.batchSize, config.seqLength);
  const model = createCharLM(torch, vocab.size, config);
  const optimizer = createOptimizer(torch, model, config);
  const random = seededRandom(config.seed);
  post({
    type: 'charlm-start',
    backend: torch.backend(),
    parameters: model.parameters().reduce((n, p) => n + p.numel(), 0),
    vocabulary: vocab.size,
    characters: text.length,
  });

  const tokensPerStep = config.seqLength * config.batchSize;
  let trainMs = 0;
  let state = null;
  for (let step = 0; step < config.steps; step++) {
    const { window } = batches.position(step);
    if (window === 0) state = null; // each pass over the streams starts from zeros, as train.mjs does
    const started = performance.now();
    const result = trainStep(torch, { model, optimizer, config }, batches.window(window), state, step);
    trainMs += performance.now() - started;
    state = result.state;
    const done = step + 1;
    post({ type: 'charlm-step', step: done, loss: result.loss / Math.LN2, tokensPerSecond: (done * tokensPerStep) / (trainMs / 1000) });
    if (done % sampleEvery === 0) {
      post({ type: 'charlm-sample', step: done, text: sample(torch, model, vocab, { prime, length: sampleLength, temperature, random }) });
    }
  }
  post({ type: 'charlm-done', step: config.steps });
}

self.onmessage = async ({ data }) => {
  try {
    if (data.type !== 'start') throw new Error(`charlm worker: unknown message type ${JSON.stringify(data.type)}`);
    await train(data);
  } catch (err) {
    post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  }
};
