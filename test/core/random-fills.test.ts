import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Generator, fmaFloat32 } from '../../src/random';

/**
 * The plainest MT19937 (one tempered draw per call, the twist with modular indices) and PyTorch's
 * samplers written straight from their definitions: the oracle for the Generator's batched loops.
 */
class ReferenceMt19937 {
  private readonly state = new Uint32Array(624);
  private index = 624;

  constructor(seed: number) {
    this.state[0] = Number(BigInt.asUintN(32, BigInt(seed)));
    for (let i = 1; i < 624; i++) {
      const prev = this.state[i - 1] ^ (this.state[i - 1] >>> 30);
      this.state[i] = Math.imul(1812433253, prev) + i;
    }
  }

  next(): number {
    if (this.index === 624) {
      for (let i = 0; i < 624; i++) {
        const y = (this.state[i] & 0x80000000) | (this.state[(i + 1) % 624] & 0x7fffffff);
        this.state[i] = this.state[(i + 397) % 624] ^ (y >>> 1) ^ ((y & 1) === 1 ? 0x9908b0df : 0);
      }
      this.index = 0;
    }
    let y = this.state[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  random53(): number {
    const high = this.next() % 2 ** 21;
    return (high * 2 ** 32 + this.next()) / 2 ** 53;
  }

  uniform(n: number, low: number, high: number): number[] {
    const from = Math.fround(low);
    const range = Math.fround(Math.fround(high) - from);
    return Array.from({ length: n }, () => fmaReference((this.next() % 2 ** 24) / 2 ** 24, range, from));
  }

  bernoulli(n: number, p: number): number[] {
    return Array.from({ length: n }, () => (this.random53() < p ? 1 : 0));
  }

  randint(low: number, high: number, n: number): number[] {
    return Array.from({ length: n }, () => (this.next() % (high - low)) + low);
  }

  randperm(n: number): number[] {
    const out = Array.from({ length: n }, (_, i) => i);
    for (let i = 0; i < n - 1; i++) {
      const j = i + (this.next() % (n - i));
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }

  /** Scalar Box-Muller (n < 16), without the cache carried between calls. */
  normalScalar(n: number): number[] {
    const out: number[] = [];
    while (out.length < n) {
      const u1 = this.random53();
      const u2 = this.random53();
      const radius = Math.sqrt(-2 * Math.log(1 - u2));
      out.push(Math.fround(radius * Math.cos(2 * Math.PI * u1)), Math.fround(radius * Math.sin(2 * Math.PI * u1)));
    }
    return out.slice(0, n);
  }
}

/** a * b + c rounded once to float32, with exact BigInt arithmetic on the binary expansions. */
function fmaReference(a: number, b: number, c: number): number {
  const exact = (x: number): [bigint, bigint] => {
    // x = mantissa * 2^exponent with integer mantissa (x is a float64)
    if (x === 0) return [0n, 0n];
    let exponent = 0;
    let m = Math.abs(x);
    while (!Number.isInteger(m)) {
      m *= 2;
      exponent--;
    }
    return [BigInt(Math.sign(x) * m), BigInt(exponent)];
  };
  const [ma, ea] = exact(a);
  const [mb, eb] = exact(b);
  const [mc, ec] = exact(c);
  const ep = ea + eb;
  const e = ep < ec ? ep : ec;
  const sum = ma * mb * 2n ** (ep - e) + mc * 2n ** (ec - e); // exact value = sum * 2^e
  if (sum === 0n) return Math.fround(a * b + c);
  // Round |sum| * 2^e to 24 significant bits, ties to even (normal float32 range only, as used here).
  const negative = sum < 0n;
  let magnitude = negative ? -sum : sum;
  let exponent = e;
  const bitsOf = (v: bigint) => v.toString(2).length;
  if (bitsOf(magnitude) > 24) {
    const drop = BigInt(bitsOf(magnitude) - 24);
    const half = 1n << (drop - 1n);
    const rest = magnitude & ((1n << drop) - 1n);
    magnitude >>= drop;
    exponent += drop;
    if (rest > half || (rest === half && (magnitude & 1n) === 1n)) magnitude += 1n;
  }
  const value = Number(magnitude) * 2 ** Number(exponent);
  return negative ? -value : value;
}

const seeds = [0, 1, -7, 123456789];
const sizes = [0, 1, 2, 17, 623, 624, 625, 1249, 20011];

describe('Generator fills equal a one-draw-at-a-time reference', () => {
  it.each(seeds)('seed %d: uniform, bernoulli, randint, randperm, random, scalar normal', (seed) => {
    const g = new Generator(seed);
    const ref = new ReferenceMt19937(seed);
    for (const n of sizes) {
      expect(Array.from(g.uniform(n)), `uniform(${n})`).toEqual(ref.uniform(n, 0, 1));
      expect(Array.from(g.uniform(n, -0.3, 0.7)), `uniform(${n}, -0.3, 0.7)`).toEqual(ref.uniform(n, -0.3, 0.7));
      expect(Array.from(g.bernoulli(n, 0.8)), `bernoulli(${n}, 0.8)`).toEqual(ref.bernoulli(n, 0.8));
      expect(Array.from(g.bernoulli(n, 0.25, 3)), `bernoulli(${n}, 0.25, 3)`).toEqual(ref.bernoulli(n, 0.25).map((v) => v * 3));
      expect(Array.from(g.randint(-5, 17, n)), `randint(-5, 17, ${n})`).toEqual(ref.randint(-5, 17, n));
      expect(Array.from(g.randint(-(2 ** 31), 2 ** 31 - 1, n)), `randint(full range, ${n})`).toEqual(ref.randint(-(2 ** 31), 2 ** 31 - 1, n));
      expect(Array.from(g.randperm(n)), `randperm(${n})`).toEqual(ref.randperm(n));
      expect([g.random(), g.nextUint32()]).toEqual([ref.random53(), ref.next()]);
      expect(Array.from(g.normal(2)), 'normal(2)').toEqual(ref.normalScalar(2));
    }
  });

  it('bernoulli at p = 0 and p = 1, and at thresholds that need the low word', () => {
    for (const p of [0, 1, 2 ** -40, 0.5 + 2 ** -50, 1 - 2 ** -53]) {
      const g = new Generator(3);
      const ref = new ReferenceMt19937(3);
      expect(Array.from(g.bernoulli(1500, p)), `p=${p}`).toEqual(ref.bernoulli(1500, p));
    }
  });

  it('bernoulli where a draw ties the threshold in its high 21 bits', () => {
    // p = x / 2^53 for a drawn 53-bit integer x makes that value's high bits equal the threshold's.
    const peek = new ReferenceMt19937(9);
    const drawn = Array.from({ length: 40 }, () => peek.random53() * 2 ** 53);
    for (const x of [drawn[0], drawn[17], drawn[39]]) {
      for (const p of [x / 2 ** 53, (x + 1) / 2 ** 53, (x - 1) / 2 ** 53]) {
        const g = new Generator(9);
        const ref = new ReferenceMt19937(9);
        expect(Array.from(g.bernoulli(40, p)), `p=${p}`).toEqual(ref.bernoulli(40, p));
      }
    }
  });
});

describe('fmaFloat32 rounds a * b + c once', () => {
  it('equals exact arithmetic on random float32 inputs and on constructed float32 midpoints', () => {
    let seed = 12345;
    const nextFloat = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) | 0;
      const mantissa = (seed >>> 8) / 2 ** 24;
      seed = (Math.imul(seed, 1103515245) + 12345) | 0;
      return Math.fround((seed & 1 ? -1 : 1) * mantissa * 2 ** ((seed >>> 1) % 20 - 10));
    };
    for (let i = 0; i < 3000; i++) {
      const a = nextFloat();
      const b = nextFloat();
      const c = nextFloat();
      expect(fmaFloat32(a, b, c), `${a} * ${b} + ${c}`).toBe(fmaReference(a, b, c));
      // c chosen so that a * b + c lands exactly on (or a hair off) a float32 midpoint.
      const product = a * b;
      const rounded = Math.fround(product);
      const ulp = Math.abs(Math.fround(rounded * (1 + 2 ** -23)) - rounded) || 2 ** -149;
      for (const offset of [ulp / 2, -ulp / 2]) {
        const cm = Math.fround(rounded + offset - product);
        if (cm === 0) continue;
        expect(fmaFloat32(a, b, cm), `${a} * ${b} + ${cm}`).toBe(fmaReference(a, b, cm));
      }
    }
  });
});

describe('large fills match PyTorch 1.13 (sha256 of the float32 / int32 bytes)', () => {
  // From /usr/bin/python3 with torch 1.13, e.g.
  //   torch.manual_seed(0); hashlib.sha256(torch.randn(100003).numpy().tobytes()).hexdigest()
  const sha256 = (values: Float32Array | Int32Array): string =>
    createHash('sha256').update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength)).digest('hex');
  const cases: [string, () => Float32Array | Int32Array, string][] = [
    ['randn(100003), seed 0', () => new Generator(0).normal(100003), '0e1052dc151d4ee630af2d3a6975bb64f2d34e0b8be27473fb8e33173f0c1858'],
    [
      'normal_(0.5, 2) of 65537 after rand(5), seed 3',
      () => {
        const g = new Generator(3);
        g.uniform(5);
        return g.normal(65537, 0.5, 2);
      },
      '0f8ad9902ea8eeb7434ef9bc613efbf200b76bdf022708aab81afe9ab8bafb77',
    ],
    ['bernoulli_(0.8) of 819200, seed 11', () => new Generator(11).bernoulli(819200, 0.8), '87a8080579db870cda387363c90c979255f4b1107dc8caa555ebc64400dacf40'],
    [
      'bernoulli_(0.3) of 100001 after rand(1), seed 11',
      () => {
        const g = new Generator(11);
        g.uniform(1);
        return g.bernoulli(100001, 0.3);
      },
      '5e357d4d9b0ab6d7e65206d95b1d64ad61cd980e0db090e6dd22fe686c1a017d',
    ],
    ['rand(1048576), seed 2', () => new Generator(2).uniform(1048576), 'ec2aa638ca9df6a31a4d85daf4c05bbadf09d793b1589309c3523a990efc6186'],
    ['uniform_(-0.1, 0.1) of 100003, seed 2', () => new Generator(2).uniform(100003, -0.1, 0.1), '29ff1603503646c5e22a57456ed518b7603c37618308bcaf787ec3d5159c5380'],
    ['randint(-5, 1000, (100003,)), seed 4', () => new Generator(4).randint(-5, 1000, 100003), '7ff10a9e2908a38090743eb78a3f88fcac1fd0dd909a7736a2bb746651060fe1'],
    ['randperm(100003), seed 4', () => new Generator(4).randperm(100003), '83c5736eb6518d8adc17f0c6037ddf6afcda9245e9b6c7f037bef24dba26d7ba'],
  ];
  it.each(cases)('%s', (_name, draw, expected) => {
    expect(sha256(draw())).toBe(expected);
  });
});
