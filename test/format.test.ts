import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatParameter, formatTensor, toExponential, toFixed, type PrintDtype } from '../src/format';

interface FormatCase {
  name: string;
  kind: 'tensor' | 'parameter';
  dtype: PrintDtype;
  shape: number[];
  data: string;
  gradFn: string | null;
  requiresGrad: boolean;
  expected: string;
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/format_random.json', import.meta.url), 'utf8')) as {
  format: FormatCase[];
};

function decode(c: FormatCase): Float32Array | Int32Array {
  const bytes = Buffer.from(c.data, 'base64');
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return c.dtype === 'int64' ? new Int32Array(buffer) : new Float32Array(buffer);
}

describe('formatTensor matches PyTorch 1.13 str(tensor)', () => {
  it.each(fixture.format.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const values = decode(c);
    const suffix = { gradFn: c.gradFn, requiresGrad: c.requiresGrad };
    const printed =
      c.kind === 'parameter'
        ? formatParameter(values, c.shape, c.dtype, suffix)
        : formatTensor(values, c.shape, c.dtype, suffix);
    expect(printed).toBe(c.expected);
  });

  it('covers the cases the API promises', () => {
    const names = new Set(fixture.format.map((c) => c.name));
    for (const name of ['matrix 1x2 tanh', 'empty', 'empty 0x3', 'vector 1001 summary', 'tensor 2x3x4', 'parameter weight']) {
      expect(names.has(name)).toBe(true);
    }
  });
});

describe('formatTensor', () => {
  it('prints the API example', () => {
    const out = formatTensor(new Float32Array([-0.1579, 0.514]), [1, 2], 'float32', { gradFn: 'TanhBackward0' });
    expect(out).toBe('tensor([[-0.1579,  0.5140]], grad_fn=<TanhBackward0>)');
  });

  it('prints requires_grad only without grad_fn', () => {
    expect(formatTensor(new Float32Array([1, 2]), [2], 'float32', { requiresGrad: true })).toBe(
      'tensor([1., 2.], requires_grad=True)',
    );
    expect(formatTensor(new Float32Array([1]), [1], 'float32', { gradFn: 'AddBackward0', requiresGrad: true })).toBe(
      'tensor([1.], grad_fn=<AddBackward0>)',
    );
  });

  it('defaults the parameter suffix to requires_grad=True', () => {
    expect(formatParameter(new Float32Array([0.5]), [1], 'float32')).toBe(
      'Parameter containing:\ntensor([0.5000], requires_grad=True)',
    );
  });

  it('rejects a value count that does not fit the shape', () => {
    expect(() => formatTensor(new Float32Array(3), [2, 2], 'float32')).toThrow(/shape \[2, 2\] holds 4 elements but 3/);
  });
});

describe('decimal conversion follows Python format()', () => {
  it.each([
    [0.03125, 4, '0.0312'],
    [0.09375, 4, '0.0938'],
    [2.5, 0, '2'],
    [3.5, 0, '4'],
    [-0, 4, '-0.0000'],
    [-0.00001, 4, '-0.0000'],
    [123456789, 0, '123456789'],
    [NaN, 4, 'nan'],
    [-Infinity, 0, '-inf'],
  ])('toFixed(%d, %d) = %s', (v, digits, expected) => {
    expect(toFixed(v, digits)).toBe(expected);
  });

  it.each([
    [1e-5, '1.0000e-05'],
    [1.03125, '1.0312e+00'],
    [9.99995e10, '1.0000e+11'],
    [9.99994e10, '9.9999e+10'],
    [9.99996e-7, '1.0000e-06'],
    [1e100, '1.0000e+100'],
    [-0, '-0.0000e+00'],
    [5e-324, '4.9407e-324'],
  ])('toExponential(%d, 4) = %s', (v, expected) => {
    expect(toExponential(v, 4)).toBe(expected);
  });
});
