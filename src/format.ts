/**
 * Tensor printing, character for character as PyTorch 1.13 prints with its default print options
 * (precision 4, threshold 1000, edgeitems 3, linewidth 80); see torch/_tensor_str.py for the rules
 * this follows.
 *
 * Rules in short:
 * - One formatter per tensor decides the width and the notation for every element. It looks only
 *   at the elements that will be shown (the edge items when the tensor is summarised).
 * - Float tensors whose finite non-zero elements are all integers print as `1.`; otherwise with
 *   4 decimals. Scientific notation (`1.0000e-05`) is used when max/min of the finite non-zero
 *   magnitudes exceeds 1000, when the largest exceeds 1e8, or (non-integer tensors) when the
 *   smallest is below 1e-4. nan/inf never count towards the width of fixed or integer notation.
 * - Decimal rounding is exact and ties go to even, as Python's `format` does.
 * - Tensors with more than 1000 elements show 3 items at each end of every dimension, `...` between.
 * - Rows wrap to stay within 80 columns; sub-tensors are separated by `dim - 1` newlines.
 */

export type PrintDtype = 'float32' | 'int64';

export interface PrintSuffix {
  /** Name of the autograd node that produced the tensor, e.g. `'TanhBackward0'`. */
  gradFn?: string | null;
  requiresGrad?: boolean;
}

const PRECISION = 4;
const THRESHOLD = 1000;
const EDGE_ITEMS = 3;
const LINE_WIDTH = 80;
const PREFIX = 'tensor(';

/** The string PyTorch's `str(tensor)` gives for a tensor with these values (row-major) and shape. */
export function formatTensor(
  values: Float32Array | Int32Array,
  shape: readonly number[],
  dtype: PrintDtype,
  suffix: PrintSuffix = {},
): string {
  const numel = shape.reduce((a, b) => a * b, 1);
  if (values.length !== numel) {
    throw new Error(
      `formatTensor: shape [${shape.join(', ')}] holds ${numel} elements but ${values.length} values were given`,
    );
  }
  const suffixes: string[] = [];
  let body: string;
  if (numel === 0) {
    body = '[]';
    if (shape.length !== 1) suffixes.push(`size=(${shape.join(', ')})`);
    if (dtype !== 'float32') suffixes.push(`dtype=torch.${dtype}`);
  } else {
    const summarize = numel > THRESHOLD;
    const layout = new Layout(shape, summarize);
    const shown = layout.shownValues(values);
    const formatter = dtype === 'int64' ? integerFormatter(shown) : floatFormatter(shown);
    body = renderBlock(values, layout, formatter, 0, 0, PREFIX.length);
  }
  if (suffix.gradFn) suffixes.push(`grad_fn=<${suffix.gradFn}>`);
  else if (suffix.requiresGrad) suffixes.push('requires_grad=True');
  return addSuffixes(PREFIX + body, suffixes, PREFIX.length);
}

/** The string PyTorch prints for an `nn.Parameter` (its `repr`, which `print` also uses). */
export function formatParameter(
  values: Float32Array | Int32Array,
  shape: readonly number[],
  dtype: PrintDtype,
  suffix: PrintSuffix = { requiresGrad: true },
): string {
  return 'Parameter containing:\n' + formatTensor(values, shape, dtype, suffix);
}

/** Which indices of each dimension are shown; `-1` marks the `...` gap of a summarised dimension. */
class Layout {
  readonly strides: number[];

  constructor(readonly shape: readonly number[], readonly summarize: boolean) {
    this.strides = new Array<number>(shape.length);
    let stride = 1;
    for (let d = shape.length - 1; d >= 0; d--) {
      this.strides[d] = stride;
      stride *= shape[d];
    }
  }

  shownIndices(dim: number): number[] {
    const size = this.shape[dim];
    const range = (start: number, count: number) => Array.from({ length: count }, (_, i) => start + i);
    if (!this.summarize || size <= 2 * EDGE_ITEMS) return range(0, size);
    return [...range(0, EDGE_ITEMS), -1, ...range(size - EDGE_ITEMS, EDGE_ITEMS)];
  }

  /** The values that will be printed, in order: what the formatter may look at. */
  shownValues(values: Float32Array | Int32Array): number[] {
    const out: number[] = [];
    const walk = (dim: number, offset: number): void => {
      if (dim === this.shape.length) {
        out.push(values[offset]);
        return;
      }
      for (const i of this.shownIndices(dim)) if (i >= 0) walk(dim + 1, offset + i * this.strides[dim]);
    };
    walk(0, 0);
    return out;
  }
}

interface ElementFormatter {
  /** Every element is left-padded to this many characters. */
  readonly width: number;
  format(value: number): string;
}

function integerFormatter(shown: readonly number[]): ElementFormatter {
  const width = shown.reduce((w, v) => Math.max(w, String(v).length), 1);
  return { width, format: (v) => String(v).padStart(width) };
}

function floatFormatter(shown: readonly number[]): ElementFormatter {
  const finite = shown.filter((v) => Number.isFinite(v) && v !== 0);
  let intMode = true;
  let sciMode = false;
  let width = 1;
  if (finite.length > 0) {
    let min = Infinity;
    let max = 0;
    for (const v of finite) {
      min = Math.min(min, Math.abs(v));
      max = Math.max(max, Math.abs(v));
    }
    intMode = finite.every(Number.isInteger);
    sciMode = max / min > 1000 || max > 1e8 || (!intMode && min < 1e-4);
    for (const v of finite) {
      const text = sciMode ? toExponential(v, PRECISION) : intMode ? toFixed(v, 0) + '.' : toFixed(v, PRECISION);
      width = Math.max(width, text.length);
    }
  }
  const format = (v: number): string => {
    let text: string;
    if (sciMode) text = toExponential(v, PRECISION);
    else if (intMode) text = Number.isFinite(v) ? toFixed(v, 0) + '.' : toFixed(v, 0);
    else text = toFixed(v, PRECISION);
    return text.padStart(width);
  };
  return { width, format };
}

function renderBlock(
  values: Float32Array | Int32Array,
  layout: Layout,
  formatter: ElementFormatter,
  dim: number,
  offset: number,
  indent: number,
): string {
  const rank = layout.shape.length;
  if (rank === 0) return formatter.format(values[0]);
  const indices = layout.shownIndices(dim);
  if (dim === rank - 1) {
    const items = indices.map((i) => (i < 0 ? ' ...' : formatter.format(values[offset + i])));
    return '[' + wrapItems(items, formatter.width, indent) + ']';
  }
  const blocks = indices.map((i) =>
    i < 0 ? '...' : renderBlock(values, layout, formatter, dim + 1, offset + i * layout.strides[dim], indent + 1),
  );
  const subRank = rank - dim;
  return '[' + blocks.join(',' + '\n'.repeat(subRank - 1) + ' '.repeat(indent + 1)) + ']';
}

/** Joins a row's items with `, `, starting a new line (aligned under the `[`) when 80 columns would be passed. */
function wrapItems(items: readonly string[], width: number, indent: number): string {
  const perLine = Math.max(1, Math.floor((LINE_WIDTH - indent) / (width + 2)));
  const lines: string[] = [];
  for (let i = 0; i < items.length; i += perLine) lines.push(items.slice(i, i + perLine).join(', '));
  return lines.join(',\n' + ' '.repeat(indent + 1));
}

/**
 * Appends `, suffix` for each suffix, or `,\n<indent>suffix` when it would pass the line width.
 * The last-line length is measured as PyTorch measures it (two characters more than the line).
 */
function addSuffixes(text: string, suffixes: readonly string[], indent: number): string {
  let out = text;
  let lastLineLength = text.length - text.lastIndexOf('\n') + 1;
  for (const suffix of suffixes) {
    if (lastLineLength + suffix.length + 2 > LINE_WIDTH) {
      out += ',\n' + ' '.repeat(indent) + suffix;
      lastLineLength = indent + suffix.length;
    } else {
      out += ', ' + suffix;
      lastLineLength += suffix.length + 2;
    }
  }
  return out + ')';
}

// ---- Exact decimal conversion (Python's '{:.Nf}' and '{:.Ne}': correctly rounded, ties to even) ----

function nonFinite(v: number): string {
  return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
}

function isNegative(v: number): boolean {
  return v < 0 || Object.is(v, -0);
}

/** |v| as an exact fraction numerator / 2^shift (v finite). */
function exactBinary(v: number): { mantissa: bigint; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(v));
  const bits = view.getBigUint64(0);
  const biased = Number(bits >> 52n);
  const fraction = bits & ((1n << 52n) - 1n);
  if (biased === 0) return { mantissa: fraction, exponent: -1074 };
  return { mantissa: fraction | (1n << 52n), exponent: biased - 1075 };
}

/** round(|v| * 10^scale) to an integer, ties to even. */
function scaledRound(v: number, scale: number): bigint {
  const { mantissa, exponent } = exactBinary(v);
  let num = mantissa;
  let den = 1n;
  if (exponent >= 0) num <<= BigInt(exponent);
  else den <<= BigInt(-exponent);
  if (scale >= 0) num *= 10n ** BigInt(scale);
  else den *= 10n ** BigInt(-scale);
  const quotient = num / den;
  const twiceRemainder = 2n * (num - quotient * den);
  if (twiceRemainder > den || (twiceRemainder === den && (quotient & 1n) === 1n)) return quotient + 1n;
  return quotient;
}

/** Python's `'{:.{digits}f}'.format(v)`. */
export function toFixed(v: number, digits: number): string {
  if (!Number.isFinite(v)) return nonFinite(v);
  const text = scaledRound(v, digits).toString().padStart(digits + 1, '0');
  const sign = isNegative(v) ? '-' : '';
  if (digits === 0) return sign + text;
  return sign + text.slice(0, -digits) + '.' + text.slice(-digits);
}

/** Python's `'{:.{digits}e}'.format(v)`: at least two exponent digits. */
export function toExponential(v: number, digits: number): string {
  if (!Number.isFinite(v)) return nonFinite(v);
  const sign = isNegative(v) ? '-' : '';
  let exponent = 0;
  let significand = 0n;
  if (v !== 0) {
    exponent = Math.floor(Math.log10(Math.abs(v)));
    const low = 10n ** BigInt(digits);
    const high = low * 10n;
    // log10 can be off by one near powers of ten; the exact rounding settles it.
    for (;;) {
      significand = scaledRound(v, digits - exponent);
      if (significand >= high) exponent += 1;
      else if (significand < low) exponent -= 1;
      else break;
    }
  }
  const text = significand.toString().padStart(digits + 1, '0');
  const mantissa = digits === 0 ? text : text[0] + '.' + text.slice(1);
  const exponentText = String(Math.abs(exponent)).padStart(2, '0');
  return `${sign}${mantissa}e${exponent < 0 ? '-' : '+'}${exponentText}`;
}
