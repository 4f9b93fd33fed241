// Beyond the course: the same names task the way one would train it today. Letters become embeddings
// (57 letters + a padding id), a GRU reads a padded batch of names, the output at each name's last real
// letter (picked with gather) goes through a Linear head; CrossEntropyLoss, Adam, mini-batches of 64 over the
// whole training split for 15 epochs. Held-out accuracy is compared with the course's hand-built RNN.
//
//   node examples/names/batched.mjs            # 15 epochs
//   node examples/names/batched.mjs --quick    # 1 epoch
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from 'wasmtorch';
import { lossChart, defaultOutDir } from '../lib/plot.mjs';
import { progressBar } from '../lib/progress.mjs';
import { loadNames, letterToIndex, N_LETTERS, pythonRandom, heldOutAccuracy, heldOutExamples } from './data.mjs';

const { nn, optim } = torch;

/** Token id of padding: one past the 57 letters, so letter ids equal letterToIndex. */
export const PAD = N_LETTERS;

/**
 * Held-out accuracy of PyTorch 1.13 on the fixed split, seed 0 (scripts/fixtures/gen_names_reference.py):
 * the same initial weights and the same examples in the same order as these examples with seed 0.
 */
export const PYTORCH_REFERENCE = {
  course: { overall: 0.602, perLanguageMean: 0.515 },
  batched: { overall: 0.827, perLanguageMean: 0.517 },
};

export class GRUClassifier extends nn.Module {
  constructor(nCategories, { embeddingDim = 32, hiddenSize = 128 } = {}) {
    super();
    this.emb = new nn.Embedding(N_LETTERS + 1, embeddingDim, { paddingIdx: PAD });
    this.rnn = new nn.GRU(embeddingDim, hiddenSize, { batchFirst: true });
    this.head = new nn.Linear(hiddenSize, nCategories);
  }

  /** ids: int64 [batch, time] padded with PAD; lengths: int64 [batch]. Returns logits [batch, nCategories]. */
  forward(ids, lengths) {
    const [out] = this.rnn.forward(this.emb.forward(ids));
    const [batch, , hidden] = out.shape;
    const last = lengths.sub(1).view(batch, 1, 1).expand(batch, 1, hidden);
    return this.head.forward(out.gather(1, last).squeeze(1));
  }
}

/** Pads names into ids [batch, longest] (PAD after each name) and their lengths [batch], both int64. */
export function batchTensors(lines) {
  const longest = Math.max(...lines.map((l) => l.length));
  const ids = new Int32Array(lines.length * longest).fill(PAD);
  lines.forEach((line, b) => {
    for (let t = 0; t < line.length; t++) ids[b * longest + t] = letterToIndex(line[t]);
  });
  return [torch.tensor(ids).view(lines.length, longest), torch.tensor(Int32Array.from(lines, (l) => l.length))];
}

/** Guesses (category indices) for many names at once, in batches, without the graph. */
export function classifyMany(model, lines, batchSize = 256) {
  const guesses = [];
  torch.noGrad(() => {
    for (let b = 0; b < lines.length; b += batchSize) {
      const [ids, lengths] = batchTensors(lines.slice(b, b + batchSize));
      guesses.push(...model.forward(ids, lengths).argmax(1).toArray());
    }
  });
  return guesses;
}

function readCourseSummary(outDir) {
  const file = outDir === null ? null : join(outDir, 'names-classify-accuracy.json');
  return file && existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null;
}

const pct = (x) => `${(x * 100).toFixed(1)}%`;

/**
 * Options: `quick` (1 epoch), `epochs`, `batchSize`, `lr`, `seed`, `log`, `progress`, `outDir` (chart; the
 * course's accuracy summary is read from there), `course` ({ overall, perLanguageMean } to compare with;
 * default: the summary a full classify.mjs run wrote).
 */
export async function main(options = {}) {
  const quick = Boolean(options.quick);
  const epochs = options.epochs ?? (quick ? 1 : 15);
  const batchSize = options.batchSize ?? 64;
  const lr = options.lr ?? 3e-3;
  const seed = options.seed ?? 0;
  const outDir = options.outDir === undefined ? defaultOutDir : options.outDir;
  const log = options.log ?? console.log;
  const say = (text) => {
    if (options.progress !== false && process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    log(text);
  };

  torch.manualSeed(seed);
  const random = pythonRandom(seed);
  const data = loadNames();
  const examples = data.categories.flatMap((c, ci) => data.trainLines[c].map((line) => [line, ci]));
  const model = new GRUClassifier(data.categories.length);
  const criterion = new nn.CrossEntropyLoss();
  const optimizer = new optim.Adam(model.parameters(), { lr });

  const stepsPerEpoch = Math.ceil(examples.length / batchSize);
  say(`names (batched): ${examples.length} training names, ${epochs} epoch(s) of ${stepsPerEpoch} batches of ${batchSize}, GRU 128, Adam lr ${lr} (backend ${torch.backend()})`);
  const bar = progressBar({ total: epochs * stepsPerEpoch, label: 'batched', enabled: options.progress !== false });
  const epochLosses = [];
  const start = performance.now();
  for (let epoch = 1; epoch <= epochs; epoch++) {
    model.train();
    random.shuffle(examples);
    let total = 0;
    for (let b = 0; b < examples.length; b += batchSize) {
      const chunk = examples.slice(b, b + batchSize);
      const [ids, lengths] = batchTensors(chunk.map(([line]) => line));
      const target = torch.tensor(Int32Array.from(chunk, ([, ci]) => ci));
      optimizer.zeroGrad();
      const loss = criterion.forward(model.forward(ids, lengths), target);
      loss.backward();
      optimizer.step();
      const value = loss.item();
      total += value * chunk.length;
      bar.tick(1, `epoch ${epoch} loss ${value.toFixed(4)}`);
    }
    epochLosses.push(total / examples.length);
    say(`epoch ${epoch}/${epochs} loss ${epochLosses.at(-1).toFixed(4)} (${((performance.now() - start) / 1000).toFixed(1)} s)`);
  }
  bar.done();
  const seconds = (performance.now() - start) / 1000;
  say(`trained in ${seconds.toFixed(1)} s (${((seconds * 1000) / (epochs * stepsPerEpoch)).toFixed(1)} ms per batch)`);

  if (epochs > 1) {
    say(lossChart({
      title: 'names, batched GRU: training loss per epoch',
      series: [{ name: 'cross-entropy', values: epochLosses }],
      file: outDir === null ? null : join(outDir, 'names-batched-loss.svg'),
      ansi: Boolean(process.stdout.isTTY) && options.log === undefined,
    }));
  }

  model.eval();
  const heldOut = heldOutAccuracy(data, classifyMany(model, heldOutExamples(data).map(([line]) => line)));
  say(`held-out accuracy (${heldOut.total} names): ${pct(heldOut.overall)} overall, ${pct(heldOut.perLanguageMean)} averaged over languages`);

  const course = options.course ?? readCourseSummary(outDir);
  const rows = [
    ['batched GRU (this run)', heldOut],
    ...(course ? [[`course RNN (wasmtorch${course.iterations ? `, ${course.iterations} iterations` : ''}${course.seed !== undefined ? `, seed ${course.seed}` : ''})`, course]] : []),
    ['course RNN (PyTorch 1.13, seed 0, 200k)', PYTORCH_REFERENCE.course],
    ['batched GRU (PyTorch 1.13, seed 0, 15 epochs)', PYTORCH_REFERENCE.batched],
  ];
  say(`\n${'held-out accuracy'.padEnd(50)} overall   per-language mean`);
  for (const [name, r] of rows) say(`${name.padEnd(50)} ${pct(r.overall).padStart(6)}   ${pct(r.perLanguageMean).padStart(6)}`);
  if (!course) say('(run examples/names/classify.mjs for the course RNN trained here)');
  return { model, epochLosses, heldOut, seconds, msPerBatch: (seconds * 1000) / (epochs * stepsPerEpoch) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const seedArg = process.argv.find((a) => a.startsWith('--seed='));
  await main({ quick: process.argv.includes('--quick'), seed: seedArg ? Number(seedArg.slice(7)) : undefined });
}
