// What every example shares: knowing whether it was run directly, and printing like Python's print() into a
// record the tests can read.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** True when the module at `moduleUrl` is the script Node was started with (`node examples/x.mjs`). */
export function isMain(moduleUrl) {
  return Boolean(process.argv[1]) && resolve(process.argv[1]) === fileURLToPath(moduleUrl);
}

/** Formats one print() argument: shapes as `[1, 4]`, tensors as PyTorch prints them, the rest with String(). */
function format(value) {
  if (Array.isArray(value) && value.every((v) => typeof v === 'number')) return `[${value.join(', ')}]`;
  return String(value);
}

/**
 * `print(...values)` joins its arguments with spaces like Python's print(); every line is kept in `lines` and
 * written to stdout unless `quiet`.
 */
export function printer({ quiet = false } = {}) {
  const lines = [];
  const print = (...values) => {
    const text = values.map(format).join(' ');
    lines.push(...text.split('\n'));
    if (!quiet) console.log(text);
  };
  return { print, lines };
}

/** The one-hot rows of `hello` and the targets `ohlol`, as the course's lessons define them. */
export const hello = {
  idx2char: ['e', 'h', 'l', 'o'],
  xData: [1, 0, 2, 2, 3],
  yData: [3, 1, 2, 3, 2],
  oneHotLookup: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]],
  /** Indices to a string (`''.join(idx2char[x] for x in idx)`). */
  decode(indices) {
    return Array.from(indices, (i) => this.idx2char[i]).join('');
  },
};

