// The names-by-language classifier of PyTorch's char-RNN tutorial (as examples/names/classify.mjs), for the
// browser demo: the same normalisation, model (two Linear layers over [letter one-hot, hidden], LogSoftmax,
// NLLLoss, hand-written SGD) and training split, over text fetched instead of read from disk. Written against a
// `torch` passed in, like hello.js.

/** The 18 files of data/names/, in sorted order: category index = position here. */
export const LANGUAGES = [
  'Arabic', 'Chinese', 'Czech', 'Dutch', 'English', 'French', 'German', 'Greek', 'Irish', 'Italian',
  'Japanese', 'Korean', 'Polish', 'Portuguese', 'Russian', 'Scottish', 'Spanish', 'Vietnamese',
];

export const ALL_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ .,;'";
const N_LETTERS = ALL_LETTERS.length;

/** The tutorial's unicodeToAscii: NFD, combining marks dropped, only ALL_LETTERS kept. */
export function unicodeToAscii(s) {
  let out = '';
  for (const c of s.normalize('NFD')) if (!/\p{Mn}/u.test(c) && ALL_LETTERS.includes(c)) out += c;
  return out;
}

/**
 * Fetches every language file from `baseUrl` (the data/names/ folder) and keeps the training split of
 * data/README.md: within each file, lines whose 0-based index is a multiple of 10 are held out.
 */
export async function loadTrainingNames(baseUrl) {
  const texts = await Promise.all(LANGUAGES.map(async (language) => {
    const url = new URL(`${language}.txt`, baseUrl);
    const response = await fetch(url);
    if (!response.ok) throw new Error(`loadTrainingNames: ${url} answered HTTP ${response.status}`);
    return response.text();
  }));
  return texts.map((text) => text.trim().split('\n').map(unicodeToAscii).filter((_, i) => i % 10 !== 0));
}

/** mulberry32: a small seeded generator, so a run's sampling is reproducible. */
export function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The tutorial's model and its train / predict steps. */
export function createClassifier(torch, { hiddenSize = 128, seed = 0 } = {}) {
  const { nn } = torch;

  class RNN extends nn.Module {
    constructor(inputSize, hidden, outputSize) {
      super();
      this.hiddenSize = hidden;
      this.i2h = new nn.Linear(inputSize + hidden, hidden);
      this.i2o = new nn.Linear(inputSize + hidden, outputSize);
      this.softmax = new nn.LogSoftmax(1);
    }

    forward(input, hidden) {
      const combined = torch.cat([input, hidden], 1);
      return [this.softmax.forward(this.i2o.forward(combined)), this.i2h.forward(combined)];
    }
  }

  /** One-hot [letters, 1, N_LETTERS]; throws on a letter outside ALL_LETTERS. */
  const lineToTensor = (line) => {
    const values = new Float32Array(line.length * N_LETTERS);
    for (let i = 0; i < line.length; i++) {
      const index = ALL_LETTERS.indexOf(line[i]);
      if (index < 0) throw new Error(`lineToTensor: ${JSON.stringify(line[i])} is not one of the ${N_LETTERS} letters`);
      values[i * N_LETTERS + index] = 1;
    }
    return torch.tensor(values).view(line.length, 1, N_LETTERS);
  };

  /** Log-probabilities [1, languages] after the last letter. */
  const evaluate = (lineTensor) => {
    let hidden = torch.zeros(1, hiddenSize);
    let output;
    for (let i = 0; i < lineTensor.size(0); i++) [output, hidden] = rnn.forward(lineTensor.get(i), hidden);
    return output;
  };

  torch.manualSeed(seed);
  const rnn = new RNN(N_LETTERS, hiddenSize, LANGUAGES.length);
  const criterion = new nn.NLLLoss();

  return {
    /** One SGD step on (line, language index); returns the loss. */
    trainStep(line, languageIndex, learningRate = 0.005) {
      rnn.zeroGrad();
      const loss = criterion.forward(evaluate(lineToTensor(line)), torch.LongTensor([languageIndex]));
      loss.backward();
      for (const p of rnn.parameters()) p.data.add_(p.grad, { alpha: -learningRate });
      return loss.item();
    },
    /** The `k` most likely languages of a name: [{ language, probability }], most likely first. */
    predict(name, k = 3) {
      const line = unicodeToAscii(name);
      if (line.length === 0) throw new Error(`predict: ${JSON.stringify(name)} has no letters a-z / A-Z`);
      return torch.noGrad(() => {
        const [values, indices] = evaluate(lineToTensor(line)).topk(k, 1);
        const logProbabilities = values.get(0).tolist();
        return indices.get(0).tolist().map((index, i) => ({
          language: LANGUAGES[index],
          probability: Math.exp(logProbabilities[i]),
        }));
      });
    },
  };
}
