// The names-by-language data set of PyTorch's char-RNN classification tutorial, prepared as the tutorial
// prepares it: every name normalised to ASCII (NFD, combining marks dropped, only letters and " .,;'" kept),
// so each character is one of N_LETTERS = 57 symbols. Languages are the 18 file names in sorted order.
// The fixed split of data/README.md: within each language file, 0-based line index % 10 === 0 is held out.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as torch from 'wasmtorch';

export const NAMES_DIR = fileURLToPath(new URL('../../data/names/', import.meta.url));

export const ALL_LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ' + " .,;'";
export const N_LETTERS = ALL_LETTERS.length;

/** Python's `unicodeToAscii`: NFD, drop nonspacing marks (category Mn), keep only ALL_LETTERS. */
export function unicodeToAscii(s) {
  let out = '';
  for (const c of s.normalize('NFD')) {
    if (!/\p{Mn}/u.test(c) && ALL_LETTERS.includes(c)) out += c;
  }
  return out;
}

/** Python's `open(f).read().strip().split('\n')`, each line normalised. */
export function readLines(file) {
  return readFileSync(file, 'utf8').trim().split('\n').map(unicodeToAscii);
}

/** Every name of every language, and the fixed train / held-out split of each language's lines. */
export function loadNames(dir = NAMES_DIR) {
  const files = readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();
  if (files.length === 0) throw new Error(`loadNames: no .txt files in ${dir}`);
  /** @type {string[]} */
  const categories = [];
  /** @type {Record<string, string[]>} */
  const categoryLines = {};
  /** @type {Record<string, string[]>} */
  const trainLines = {};
  /** @type {Record<string, string[]>} */
  const testLines = {};
  for (const f of files) {
    const category = f.slice(0, -'.txt'.length);
    const lines = readLines(`${dir}/${f}`);
    categories.push(category);
    categoryLines[category] = lines;
    trainLines[category] = lines.filter((_, i) => i % 10 !== 0);
    testLines[category] = lines.filter((_, i) => i % 10 === 0);
  }
  return { categories, categoryLines, trainLines, testLines };
}

/** Position of a letter in ALL_LETTERS (-1 if absent, as Python's `str.find`). */
export function letterToIndex(letter) {
  return ALL_LETTERS.indexOf(letter);
}

/** One-hot [1, N_LETTERS]. */
export function letterToTensor(letter) {
  return lineToTensor(letter).view(1, N_LETTERS);
}

/** One-hot [line.length, 1, N_LETTERS], one time step per letter. */
export function lineToTensor(line) {
  const values = new Float32Array(line.length * N_LETTERS);
  for (let i = 0; i < line.length; i++) {
    const index = letterToIndex(line[i]);
    if (index < 0) throw new Error(`lineToTensor: letter ${JSON.stringify(line[i])} of ${JSON.stringify(line)} is not one of the ${N_LETTERS} letters`);
    values[i * N_LETTERS + index] = 1;
  }
  return torch.tensor(values).view(line.length, 1, N_LETTERS);
}

/**
 * Python's `random.Random(seed)` (MT19937 seeded by init_by_array, `_randbelow` by rejection over getrandbits),
 * so a seed draws the same examples as the tutorial's `random` module does, and a run here can be compared
 * step by step with the same run in PyTorch (scripts/fixtures/gen_names_reference.py). seed: an integer >= 0.
 */
export function pythonRandom(seed) {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`pythonRandom: expected an integer seed >= 0, got ${seed}`);
  const mt = new Uint32Array(624);
  let index = 624;
  const initGenrand = (s) => {
    mt[0] = s >>> 0;
    for (let i = 1; i < 624; i++) mt[i] = (Math.imul(1812433253, mt[i - 1] ^ (mt[i - 1] >>> 30)) + i) >>> 0;
  };
  // the seed's 32-bit words, least significant first ([0] for 0), as CPython's random_seed does
  const key = [];
  for (let n = seed; n > 0; n = Math.floor(n / 4294967296)) key.push(n % 4294967296);
  if (key.length === 0) key.push(0);
  initGenrand(19650218);
  let i = 1;
  let j = 0;
  for (let k = Math.max(624, key.length); k > 0; k--) {
    mt[i] = ((mt[i] ^ Math.imul(mt[i - 1] ^ (mt[i - 1] >>> 30), 1664525)) + key[j] + j) >>> 0;
    i++; j++;
    if (i >= 624) { mt[0] = mt[623]; i = 1; }
    if (j >= key.length) j = 0;
  }
  for (let k = 623; k > 0; k--) {
    mt[i] = ((mt[i] ^ Math.imul(mt[i - 1] ^ (mt[i - 1] >>> 30), 1566083941)) - i) >>> 0;
    i++;
    if (i >= 624) { mt[0] = mt[623]; i = 1; }
  }
  mt[0] = 0x80000000;

  const uint32 = () => {
    if (index >= 624) {
      for (let k = 0; k < 624; k++) {
        const y = (mt[k] & 0x80000000) | (mt[(k + 1) % 624] & 0x7fffffff);
        mt[k] = mt[(k + 397) % 624] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      index = 0;
    }
    let y = mt[index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    return (y ^ (y >>> 18)) >>> 0;
  };
  /** `_randbelow(n)` for 1 <= n <= 2^32. */
  const below = (n) => {
    if (!(n >= 1 && n <= 4294967296)) throw new Error(`pythonRandom: below(n) needs 1 <= n <= 2^32, got ${n}`);
    const bits = Math.floor(Math.log2(n)) + 1;
    const draw = () => (bits >= 32 ? uint32() : uint32() >>> (32 - bits));
    let r = draw();
    while (r >= n) r = draw();
    return r;
  };
  return {
    /** `random.random()`: 53-bit float in [0, 1). */
    random: () => ((uint32() >>> 5) * 67108864 + (uint32() >>> 6)) / 9007199254740992,
    below,
    /** `random.randint(a, b)`, both ends included. */
    randint: (a, b) => a + below(b - a + 1),
    /** `random.choice(list)`, which is the tutorial's `randomChoice`. */
    choice: (list) => list[below(list.length)],
    /** `random.shuffle(list)` in place. */
    shuffle: (list) => {
      for (let k = list.length - 1; k > 0; k--) {
        const m = below(k + 1);
        [list[k], list[m]] = [list[m], list[k]];
      }
      return list;
    },
  };
}

/** Every held-out name and its category index, languages in order. */
export function heldOutExamples(data) {
  return data.categories.flatMap((c, ci) => data.testLines[c].map((line) => [line, ci]));
}

/**
 * Held-out accuracy of `guesses` (category indices aligned with heldOutExamples, or a function line -> index):
 * overall (fraction of all held-out names) and per-language mean (the mean over languages of each one's accuracy).
 */
export function heldOutAccuracy(data, guesses) {
  const examples = heldOutExamples(data);
  const guessed = typeof guesses === 'function' ? examples.map(([line]) => guesses(line)) : guesses;
  if (guessed.length !== examples.length) {
    throw new Error(`heldOutAccuracy: expected ${examples.length} guesses (one per held-out name), got ${guessed.length}`);
  }
  const right = new Array(data.categories.length).fill(0);
  const count = new Array(data.categories.length).fill(0);
  examples.forEach(([, ci], i) => {
    count[ci]++;
    if (guessed[i] === ci) right[ci]++;
  });
  const perLanguage = Object.fromEntries(data.categories.map((c, ci) => [c, right[ci] / count[ci]]));
  const correct = right.reduce((a, b) => a + b, 0);
  const perLanguageMean = Object.values(perLanguage).reduce((a, b) => a + b, 0) / data.categories.length;
  return { overall: correct / examples.length, perLanguageMean, perLanguage, total: examples.length };
}
