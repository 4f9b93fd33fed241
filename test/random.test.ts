import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Generator, defaultGenerator, fmaFloat32 } from '../src/random';

interface Call {
  op: string;
  args: number[];
  values: number[];
}

interface Fixture {
  random: { name: string; seed: number; calls: Call[] }[];
  inits: { name: string; seed: number; tensors: Record<string, number[]> }[];
  dropout: { seed: number; n: number; p: number; values: number[] };
  unseeded: { seed: number; rand: number[] };
}

const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/format_random.json', import.meta.url), 'utf8'),
) as Fixture;

function run(g: Generator, call: Call): number[] {
  const [a, b, c] = call.args;
  switch (call.op) {
    case 'rand':
      return Array.from(g.uniform(a));
    case 'uniform':
      return Array.from(g.uniform(a, b, c));
    case 'randn':
      return Array.from(g.normal(a));
    case 'normal':
      return Array.from(g.normal(a, b, c));
    case 'randint':
      return Array.from(g.randint(a, b, c));
    case 'randperm':
      return Array.from(g.randperm(a));
    case 'bernoulli':
      return Array.from(g.bernoulli(a, b));
    case 'random':
      return [g.random()];
    case 'seed':
      return [g.seed()];
    default:
      throw new Error(`unknown fixture op ${call.op}`);
  }
}

/** nn.Linear's default init: kaiming_uniform_(a=sqrt(5)) for the weight, U(-1/sqrt(fan_in), ..) for the bias. */
function linearInit(g: Generator, inFeatures: number, outFeatures: number): Record<string, number[]> {
  const gain = Math.sqrt(2.0 / (1 + Math.sqrt(5) ** 2));
  const weightBound = Math.sqrt(3.0) * (gain / Math.sqrt(inFeatures));
  const biasBound = 1 / Math.sqrt(inFeatures);
  return {
    weight: Array.from(g.uniform(inFeatures * outFeatures, -weightBound, weightBound)),
    bias: Array.from(g.uniform(outFeatures, -biasBound, biasBound)),
  };
}

describe('Generator reproduces PyTorch 1.13 CPU bit for bit', () => {
  it.each(fixture.random.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const g = new Generator();
    g.manualSeed(c.seed);
    for (const call of c.calls) {
      expect(run(g, call), `${call.op}(${call.args.join(', ')})`).toEqual(call.values);
    }
  });

  it('starts from PyTorch default seed when never seeded', () => {
    const g = new Generator();
    expect(g.seed()).toBe(fixture.unseeded.seed);
    expect(Array.from(g.uniform(5))).toEqual(fixture.unseeded.rand);
  });

  it('reproduces nn.Linear default initialisation', () => {
    const [single, pair] = fixture.inits;
    const g = new Generator();
    g.manualSeed(single.seed);
    expect(linearInit(g, 4, 3)).toEqual(single.tensors);

    g.manualSeed(pair.seed);
    const first = linearInit(g, 5, 2);
    const second = linearInit(g, 2, 1);
    expect({
      '0.weight': first.weight,
      '0.bias': first.bias,
      '1.weight': second.weight,
      '1.bias': second.bias,
    }).toEqual(pair.tensors);
  });

  it('reproduces nn.RNNCell default initialisation', () => {
    const cell = fixture.inits[2];
    const g = new Generator();
    g.manualSeed(cell.seed);
    const bound = 1.0 / Math.sqrt(4);
    const sizes: Record<string, number> = { weight_ih: 12, weight_hh: 16, bias_ih: 4, bias_hh: 4 };
    const drawn: Record<string, number[]> = {};
    for (const [name, n] of Object.entries(sizes)) drawn[name] = Array.from(g.uniform(n, -bound, bound));
    expect(drawn).toEqual(cell.tensors);
  });

  it('reproduces a dropout mask (bernoulli(1 - p) scaled by 1 / (1 - p))', () => {
    const { seed, n, p, values } = fixture.dropout;
    const g = new Generator();
    g.manualSeed(seed);
    const scale = Math.fround(1 / Math.fround(1 - p));
    expect(Array.from(g.bernoulli(n, 1 - p), (keep) => Math.fround(keep * scale))).toEqual(values);
  });
});

describe('Generator', () => {
  it('is reproducible and independent per instance', () => {
    const a = new Generator(7);
    const b = new Generator(7);
    a.uniform(3);
    b.uniform(3);
    expect(Array.from(a.normal(20))).toEqual(Array.from(b.normal(20)));
    expect(a.seed()).toBe(7);
  });

  it('defaultGenerator is a Generator', () => {
    defaultGenerator.manualSeed(0);
    expect(defaultGenerator.seed()).toBe(0);
    expect(defaultGenerator.uniform(1)[0]).toBe(fixture.random[0].calls[0].values[0]);
  });

  it('keeps samples in range and with the right moments', () => {
    const g = new Generator(123);
    const u = g.uniform(20000, -2, 3);
    expect(Math.min(...u)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...u)).toBeLessThan(3);
    const normal = g.normal(20000, 1, 2);
    const mean = normal.reduce((s, v) => s + v, 0) / normal.length;
    const variance = normal.reduce((s, v) => s + (v - mean) ** 2, 0) / normal.length;
    expect(mean).toBeCloseTo(1, 1);
    expect(Math.sqrt(variance)).toBeCloseTo(2, 1);
    for (let i = 0; i < 1000; i++) {
      const r = g.random();
      expect(r >= 0 && r < 1).toBe(true);
    }
    const perm = Array.from(g.randperm(50)).sort((x, y) => x - y);
    expect(perm).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('rejects invalid arguments with a message naming the operation', () => {
    const g = new Generator(0);
    expect(() => g.manualSeed(1.5)).toThrow(/manualSeed/);
    expect(() => g.uniform(-1)).toThrow(/uniform: expected a non-negative integer count/);
    expect(() => g.uniform(2, 1, 0)).toThrow(/uniform: expected low <= high/);
    expect(() => g.normal(2, 0, -1)).toThrow(/normal: expected std >= 0/);
    expect(() => g.randint(3, 3, 2)).toThrow(/randint: expected integers low < high/);
    expect(() => g.randint(0, 2 ** 33, 2)).toThrow(/randint: range/);
    expect(() => g.bernoulli(2, 1.5)).toThrow(/bernoulli: expected 0 <= p <= 1/);
  });

  it('fmaFloat32 rounds a * b + c once', () => {
    // 24929 * 673 = 2^24 + 1, so a * b = 1 + 2^-24: exactly halfway between two float32 values.
    const a = 24929 * 2 ** -12;
    const b = 673 * 2 ** -12;
    expect(fmaFloat32(a, b, 0)).toBe(1);
    // A float64 sum would drop 2^-60 and then tie to even (1); one rounding sees it.
    expect(fmaFloat32(a, b, 2 ** -60)).toBe(1 + 2 ** -23);
    expect(fmaFloat32(a, b, -(2 ** -60))).toBe(1);
    expect(fmaFloat32(-a, b, -(2 ** -60))).toBe(-(1 + 2 ** -23));
    expect(fmaFloat32(2, 3, 1)).toBe(7);
  });
});
