// PyTorch's char-RNN name classification tutorial ("NLP From Scratch: Classifying Names with a Character-Level
// RNN"), line by line: an RNN built from two Linear layers over the concatenation of a one-hot letter and the
// hidden state, NLLLoss on LogSoftmax, hand-written SGD updates, one random (language, name) pair per step
// drawn from the training split. Then the tutorial's predict(), the saved state dict, and accuracy on the fixed
// held-out split (data/README.md).
//
//   node examples/names/classify.mjs            # the full course settings (200,000 iterations)
//   node examples/names/classify.mjs --quick    # 5,000 iterations
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from 'wasmtorch';
import { lossChart, defaultOutDir } from '../lib/plot.mjs';
import { progressBar } from '../lib/progress.mjs';
import { loadNames, lineToTensor, N_LETTERS, pythonRandom, heldOutAccuracy } from './data.mjs';

const { nn } = torch;

export class RNN extends nn.Module {
  constructor(inputSize, hiddenSize, outputSize) {
    super();
    this.hiddenSize = hiddenSize;
    this.i2h = new nn.Linear(inputSize + hiddenSize, hiddenSize);
    this.i2o = new nn.Linear(inputSize + hiddenSize, outputSize);
    this.softmax = new nn.LogSoftmax(1);
  }

  forward(input, hidden) {
    const combined = torch.cat([input, hidden], 1);
    hidden = this.i2h.forward(combined);
    let output = this.i2o.forward(combined);
    output = this.softmax.forward(output);
    return [output, hidden];
  }

  initHidden() {
    return torch.zeros(1, this.hiddenSize);
  }
}

/** The most likely language of a [1, nCategories] output: [name, index]. */
export function categoryFromOutput(output, categories) {
  const [, topI] = output.topk(1);
  const categoryI = topI.get(0).item();
  return [categories[categoryI], categoryI];
}

/** One course training step: forward over every letter, NLLLoss on the last output, p -= lr * grad. */
export function train(rnn, criterion, categoryTensor, lineTensor, learningRate) {
  let hidden = rnn.initHidden();
  rnn.zeroGrad();
  let output;
  for (let i = 0; i < lineTensor.size(0); i++) [output, hidden] = rnn.forward(lineTensor.get(i), hidden);
  const loss = criterion.forward(output, categoryTensor);
  loss.backward();
  for (const p of rnn.parameters()) p.data.add_(p.grad, { alpha: -learningRate });
  return [output, loss.item()];
}

/** The log-probabilities [1, nCategories] after the last letter. */
export function evaluate(rnn, lineTensor) {
  let hidden = rnn.initHidden();
  let output;
  for (let i = 0; i < lineTensor.size(0); i++) [output, hidden] = rnn.forward(lineTensor.get(i), hidden);
  return output;
}

/** The tutorial's predict(): prints and returns the top `nPredictions` as [logProbability, language]. */
export function predict(rnn, categories, inputLine, { nPredictions = 3, log = console.log } = {}) {
  log(`\n> ${inputLine}`);
  return torch.noGrad(() => {
    const output = evaluate(rnn, lineToTensor(inputLine));
    const [topv, topi] = output.topk(nPredictions, 1, true);
    /** @type {[number, string][]} */
    const predictions = [];
    for (let i = 0; i < nPredictions; i++) {
      const value = topv.get(0).get(i).item();
      const categoryIndex = topi.get(0).get(i).item();
      log(`(${value.toFixed(2)}) ${categories[categoryIndex]}`);
      predictions.push([value, categories[categoryIndex]]);
    }
    return predictions;
  });
}

/** Python's `'%dm %ds' % (m, s)` of the time since `since` (ms). */
export function timeSince(since) {
  let s = (performance.now() - since) / 1000;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return `${m}m ${Math.floor(s)}s`;
}

/** Saves with torch.save (safetensors) when the build has it, else as JSON { key: { shape, values } }. */
export function saveStateDict(stateDict, fileWithoutExtension) {
  if (typeof torch.save === 'function') {
    const file = `${fileWithoutExtension}.safetensors`;
    torch.save(stateDict, file);
    return { file, format: 'safetensors' };
  }
  const file = `${fileWithoutExtension}.json`;
  const json = Object.fromEntries(Object.entries(stateDict).map(([k, t]) => [k, { shape: t.shape, values: Array.from(t.toArray()) }]));
  writeFileSync(file, JSON.stringify(json));
  return { file, format: 'json (torch.save is not exported by this build)' };
}

export const PREDICT_NAMES = ['Dovesky', 'Jackson', 'Satoshi', 'Yue Tingsong', 'Hinton', 'Schmidhuber', 'Nakamura', "O'Neill"];

/**
 * Runs the course procedure. Options: `quick` (5,000 iterations), `iterations`, `seed`, `learningRate`,
 * `hiddenSize`, `printEvery`, `plotEvery`, `log` (line printer), `progress` (draw a bar), `outDir` (chart,
 * weights and an accuracy summary; `null` writes nothing).
 */
export async function main(options = {}) {
  const quick = Boolean(options.quick);
  const nIters = options.iterations ?? (quick ? 5000 : 200_000);
  const printEvery = options.printEvery ?? (quick ? 1000 : 5000);
  const plotEvery = options.plotEvery ?? (quick ? 250 : 1000);
  const learningRate = options.learningRate ?? 0.005;
  const nHidden = options.hiddenSize ?? 128;
  const seed = options.seed ?? 0;
  const outDir = options.outDir === undefined ? defaultOutDir : options.outDir;
  const outName = quick ? 'names-classify-quick' : 'names-classify';
  const log = options.log ?? console.log;
  const clearBar = () => { if (options.progress !== false && process.stderr.isTTY) process.stderr.write('\r\x1b[K'); };
  const say = (text) => { clearBar(); log(text); };

  torch.manualSeed(seed);
  const random = pythonRandom(seed);
  const data = loadNames();
  const allCategories = data.categories;
  const nCategories = allCategories.length;

  const rnn = new RNN(N_LETTERS, nHidden, nCategories);
  const criterion = new nn.NLLLoss();

  const randomTrainingExample = () => {
    const category = random.choice(allCategories);
    const line = random.choice(data.trainLines[category]);
    const categoryTensor = torch.tensor([allCategories.indexOf(category)], { dtype: 'int64' });
    const lineTensor = lineToTensor(line);
    return [category, line, categoryTensor, lineTensor];
  };

  say(`names: ${nCategories} languages, ${N_LETTERS} letters, training on the ${Object.values(data.trainLines).flat().length} names of the training split, ${nIters} iterations (backend ${torch.backend()})`);
  const bar = progressBar({ total: nIters, label: 'classify', enabled: options.progress !== false });
  let currentLoss = 0;
  const allLosses = [];
  const start = performance.now();
  for (let iter = 1; iter <= nIters; iter++) {
    const [category, line, categoryTensor, lineTensor] = randomTrainingExample();
    const [output, loss] = train(rnn, criterion, categoryTensor, lineTensor, learningRate);
    currentLoss += loss;
    if (iter % printEvery === 0) {
      const [guess] = categoryFromOutput(output, allCategories);
      const correct = guess === category ? '✓' : `✗ (${category})`;
      say(`${iter} ${Math.floor((iter / nIters) * 100)}% (${timeSince(start)}) ${loss.toFixed(4)} ${line} / ${guess} ${correct}`);
    }
    if (iter % plotEvery === 0) {
      allLosses.push(currentLoss / plotEvery);
      currentLoss = 0;
    }
    bar.tick(1, allLosses.length ? `loss ${allLosses.at(-1).toFixed(4)}` : undefined);
  }
  bar.done();
  const seconds = (performance.now() - start) / 1000;
  say(`trained in ${seconds.toFixed(1)} s (${((seconds * 1000) / nIters).toFixed(3)} ms per iteration)`);

  if (outDir !== null) mkdirSync(outDir, { recursive: true });
  const chart = lossChart({
    title: `char-RNN names: average loss per ${plotEvery} iterations`,
    series: [{ name: 'NLL loss', values: allLosses, x: allLosses.map((_, i) => (i + 1) * plotEvery) }],
    file: outDir === null ? null : join(outDir, `${outName}-loss.svg`),
    xLabel: 'iteration',
    ansi: Boolean(process.stdout.isTTY) && options.log === undefined,
  });
  say(chart);

  /** @type {Record<string, [number, string][]>} */
  const predictions = {};
  for (const name of options.predictNames ?? PREDICT_NAMES) predictions[name] = predict(rnn, allCategories, name, { log: say });

  const saved = outDir === null ? null : saveStateDict(rnn.stateDict(), join(outDir, outName));
  if (saved) say(`\nstate dict saved to ${saved.file} (${saved.format})`);

  const guess = (line) => torch.noGrad(() => categoryFromOutput(evaluate(rnn, lineToTensor(line)), allCategories)[1]);
  const heldOut = heldOutAccuracy(data, guess);
  say(`held-out accuracy (${heldOut.total} names): ${(heldOut.overall * 100).toFixed(1)}% overall, ${(heldOut.perLanguageMean * 100).toFixed(1)}% averaged over languages`);

  const summary = { iterations: nIters, seed, seconds, overall: heldOut.overall, perLanguageMean: heldOut.perLanguageMean, perLanguage: heldOut.perLanguage, losses: allLosses };
  if (outDir !== null && !quick) writeFileSync(join(outDir, 'names-classify-accuracy.json'), JSON.stringify(summary, null, 2));
  return { rnn, categories: allCategories, allLosses, heldOut, predictions, seconds, msPerIteration: (seconds * 1000) / nIters, saved };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const seedArg = process.argv.find((a) => a.startsWith('--seed='));
  await main({ quick: process.argv.includes('--quick'), seed: seedArg ? Number(seedArg.slice(7)) : undefined });
}
