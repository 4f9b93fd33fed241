/**
 * The two training loops the memory soak runs, written as a PyTorch user writes them, with no manual freeing:
 *
 * - the course's name classifier (PyTorch's char-RNN tutorial): an RNN of two Linear layers over
 *   cat(input, hidden), LogSoftmax, NLLLoss, hand-written SGD through `p.data.add_(p.grad, { alpha: -lr })`
 *   after `zeroGrad()`, and a fresh one-hot line tensor every iteration;
 * - a batched LSTM classifier: nn.LSTM + Linear + CrossEntropyLoss + Adam on fresh random batches.
 *
 * Each loop calls `sample(step)` every `every` steps so the caller can record memory.
 */
import { readFileSync, readdirSync } from 'node:fs';
import * as torch from '../../src/index';

const { nn, optim } = torch;
type Tensor = torch.Tensor;

export const ALL_LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ' + " .,;'";
const NAMES_DIR = new URL('../../data/names/', import.meta.url);

/** The tutorial's data: names normalised to ASCII letters (NFD, marks dropped), grouped by language. */
export function loadNames(): { categories: string[]; lines: string[][] } {
  const files = readdirSync(NAMES_DIR).filter((f) => f.endsWith('.txt')).sort();
  const ascii = (s: string) => [...s.normalize('NFD')].filter((c) => ALL_LETTERS.includes(c)).join('');
  const lines = files.map((f) => readFileSync(new URL(f, NAMES_DIR), 'utf8').trim().split('\n').map(ascii).filter((l) => l.length > 0));
  return { categories: files.map((f) => f.slice(0, -4)), lines };
}

/** One-hot [letters, 1, N_LETTERS], set element by element as the tutorial's lineToTensor does. */
export function lineToTensor(line: string): Tensor {
  const t = torch.zeros(line.length, 1, ALL_LETTERS.length);
  for (let i = 0; i < line.length; i++) t.get(i).get(0).get(ALL_LETTERS.indexOf(line[i])).fill_(1);
  return t;
}

class CourseRNN extends nn.Module {
  i2h: InstanceType<typeof nn.Linear>;
  i2o: InstanceType<typeof nn.Linear>;
  softmax: InstanceType<typeof nn.LogSoftmax>;

  constructor(inputSize: number, readonly hiddenSize: number, outputSize: number) {
    super();
    this.i2h = new nn.Linear(inputSize + hiddenSize, hiddenSize);
    this.i2o = new nn.Linear(inputSize + hiddenSize, outputSize);
    this.softmax = new nn.LogSoftmax(1);
  }

  forward(input: Tensor, hidden: Tensor): [Tensor, Tensor] {
    const combined = torch.cat([input, hidden], 1);
    return [this.softmax.forward(this.i2o.forward(combined)), this.i2h.forward(combined)];
  }

  initHidden(): Tensor {
    return torch.zeros(1, this.hiddenSize);
  }
}

/** mulberry32: picks (language, name) pairs reproducibly without touching torch's generator. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SoakSample {
  step: number;
  bytes: number;
  tensors: number;
  rss: number;
  loss: number;
}

export function sampleNow(step: number, loss: number): SoakSample {
  const m = torch.memory();
  return { step, bytes: m.bytes, tensors: m.tensors, rss: process.memoryUsage().rss, loss };
}

/** The course's training loop for `iterations` steps (learning rate 0.005, hidden size 128). */
export function trainNames(iterations: number, every: number, seed = 1): SoakSample[] {
  const { categories, lines } = loadNames();
  torch.manualSeed(seed);
  const random = prng(seed);
  const rnn = new CourseRNN(ALL_LETTERS.length, 128, categories.length);
  const criterion = new nn.NLLLoss();
  const learningRate = 0.005;
  const samples: SoakSample[] = [];
  let lossSum = 0;
  for (let iter = 1; iter <= iterations; iter++) {
    const category = Math.floor(random() * categories.length);
    const pool = lines[category];
    const line = pool[Math.floor(random() * pool.length)];
    const categoryTensor = torch.tensor([category], { dtype: 'int64' });
    const lineTensor = lineToTensor(line);

    let hidden = rnn.initHidden();
    rnn.zeroGrad();
    let output: Tensor | null = null;
    for (let i = 0; i < lineTensor.size(0); i++) [output, hidden] = rnn.forward(lineTensor.get(i), hidden);
    const loss = criterion.forward(output!, categoryTensor);
    loss.backward();
    for (const p of rnn.parameters()) p.data.add_(p.grad!, { alpha: -learningRate });

    lossSum += loss.item();
    if (iter % every === 0) {
      samples.push(sampleNow(iter, lossSum / every));
      lossSum = 0;
    }
  }
  return samples;
}

class LstmClassifier extends nn.Module {
  lstm: InstanceType<typeof nn.LSTM>;
  fc: InstanceType<typeof nn.Linear>;

  constructor(inputSize: number, hiddenSize: number, classes: number) {
    super();
    this.lstm = new nn.LSTM(inputSize, hiddenSize, { numLayers: 2, batchFirst: true });
    this.fc = new nn.Linear(hiddenSize, classes);
  }

  forward(x: Tensor): Tensor {
    const [out] = this.lstm.forward(x);
    return this.fc.forward(out.select(1, -1));
  }
}

/**
 * A batched LSTM trained on fresh random batches [16, 12, 16]; the label is which of 4 feature groups has
 * the largest mean, so the loss falls as it learns.
 */
export function trainLstm(steps: number, every: number, seed = 1): SoakSample[] {
  torch.manualSeed(seed);
  const model = new LstmClassifier(16, 32, 4);
  const criterion = new nn.CrossEntropyLoss();
  const optimizer = new optim.Adam(model.parameters(), { lr: 0.01 });
  const samples: SoakSample[] = [];
  let lossSum = 0;
  for (let step = 1; step <= steps; step++) {
    const x = torch.randn(16, 12, 16);
    const y = x.mean(1).view(16, 4, 4).mean(2).argmax(1);
    optimizer.zeroGrad();
    const loss = criterion.forward(model.forward(x), y);
    loss.backward();
    optimizer.step();
    lossSum += loss.item();
    if (step % every === 0) {
      samples.push(sampleNow(step, lossSum / every));
      lossSum = 0;
    }
  }
  return samples;
}
