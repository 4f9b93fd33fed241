import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Generator, RNG_STATE_BYTES, defaultGenerator, getRngState, setRngState } from '../../src/random';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Header fields of a snapshot: [initial seed, left, seeded, next]. */
function header(state: Uint8Array): [bigint, number, number, bigint] {
  const view = new DataView(state.buffer, state.byteOffset, state.byteLength);
  return [view.getBigUint64(0, true), view.getInt32(8, true), view.getInt32(12, true), view.getBigUint64(16, true)];
}

/** A mix of every sampler, in an order that leaves odd positions, crosses twists and uses the normal cache. */
function drawMix(g: Generator): number[][] {
  return [
    Array.from(g.uniform(5)),
    Array.from(g.normal(3)),
    Array.from(g.normal(1)),
    Array.from(g.bernoulli(313, 0.3)),
    Array.from(g.normal(37, 0.5, 2)),
    Array.from(g.randint(-3, 9, 700)),
    Array.from(g.randperm(11)),
    [g.random(), g.nextUint32()],
    Array.from(g.uniform(1250, -1, 1)),
  ];
}

/** Edits a copy of a snapshot through a DataView. */
function edited(state: Uint8Array, edit: (view: DataView) => void): Uint8Array {
  const copy = state.slice();
  edit(new DataView(copy.buffer));
  return copy;
}

describe('Generator.getState uses the byte layout of torch.get_rng_state (PyTorch 1.13)', () => {
  // Hashes of torch.get_rng_state().numpy().tobytes() after each call sequence, from /usr/bin/python3:
  //   torch.manual_seed(5); hashlib.sha256(torch.get_rng_state().numpy().tobytes()).hexdigest()  (and so on)
  const cases: { name: string; run: (g: Generator) => void; sha: string; header: [bigint, number, number, bigint] }[] = [
    {
      name: 'manual_seed(5)',
      run: (g) => g.manualSeed(5),
      sha: 'f4ef6f460154679cfe881f5d260e16f8ed904898fabc025c755a71e2692eb75c',
      header: [5n, 1, 1, 0n],
    },
    {
      name: 'manual_seed(5); rand(3)',
      run: (g) => (g.manualSeed(5), g.uniform(3)),
      sha: 'f9311852d82a0f35ea1a0260ca9936893df521c48f0c7f4c3443b05dd2ca119f',
      header: [5n, 622, 1, 3n],
    },
    {
      name: 'manual_seed(5); randn(3) (leaves a cached normal)',
      run: (g) => (g.manualSeed(5), g.normal(3)),
      sha: 'b4d410285f91ff274a51ee6e3aa48d4890aeb2cf2bd7da29b71a4cbbd79f53f3',
      header: [5n, 617, 1, 8n],
    },
    {
      name: 'manual_seed(-1); rand(700)',
      run: (g) => (g.manualSeed(-1), g.uniform(700)),
      sha: '53f7fce3eac6cccd405f80d4902ea9ff68db639c36d6ac2d3b456c47a11be6e8',
      header: [2n ** 64n - 1n, 549, 1, 76n],
    },
    {
      name: 'manual_seed(7); rand(624)',
      run: (g) => (g.manualSeed(7), g.uniform(624)),
      sha: '5fb8e6083bf899e5d5007a134e39934904e92e57647bfd26a1b44e4b17382abb',
      header: [7n, 1, 1, 624n],
    },
    {
      name: 'manual_seed(7); rand(623); bernoulli_(0.5) on one value (its draws straddle a twist)',
      run: (g) => (g.manualSeed(7), g.uniform(623), g.bernoulli(1, 0.5)),
      sha: 'e8f8ab7285a3d808bc0a5555948b535327c1e144b7b376428a64514240130f35',
      header: [7n, 624, 1, 1n],
    },
  ];

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const g = new Generator();
    c.run(g);
    const state = g.getState();
    expect(state).toBeInstanceOf(Uint8Array);
    expect(state.length).toBe(RNG_STATE_BYTES);
    expect(header(state)).toEqual(c.header);
    expect(sha256(state)).toBe(c.sha);
  });

  it('stores the cached normal value as PyTorch does (normal_y, normal_is_valid)', () => {
    const g = new Generator(5);
    g.normal(3);
    const view = new DataView(g.getState().buffer);
    expect(view.getFloat64(5024, true)).toBe(0.6675243015344896);
    expect(view.getInt32(5040, true)).toBe(1);
  });
});

describe('Generator.setState', () => {
  it.each([
    ['a freshly seeded generator', (g: Generator) => g.manualSeed(3)],
    ['an odd position', (g: Generator) => g.uniform(7)],
    ['exactly one twist consumed', (g: Generator) => (g.manualSeed(9), g.uniform(624))],
    ['one word before a twist', (g: Generator) => (g.manualSeed(9), g.uniform(623))],
    ['a cached normal value', (g: Generator) => g.normal(5)],
  ])('replays the same draws from %s', (_name, prepare) => {
    const g = new Generator(1234);
    prepare(g);
    const state = g.getState();
    const first = drawMix(g);
    g.setState(state);
    expect(drawMix(g)).toEqual(first);
    // Another generator restored from the same state continues identically too.
    const other = new Generator(0);
    other.setState(state);
    expect(drawMix(other)).toEqual(first);
    expect(other.getState()).toEqual(g.getState());
  });

  it('restores the cached normal value', () => {
    const g = new Generator(42);
    g.normal(1); // draws a pair, returns one value, caches the other
    const state = g.getState();
    const cached = g.normal(1)[0];
    const fresh = Array.from(g.normal(4));
    g.setState(state);
    expect(g.normal(1)[0]).toBe(cached);
    expect(Array.from(g.normal(4))).toEqual(fresh);

    // A state taken with no cached value drops one that is cached when it is restored.
    const clean = new Generator(42);
    const cleanState = clean.getState();
    const expected = Array.from(clean.normal(3));
    g.setState(cleanState);
    expect(Array.from(g.normal(3))).toEqual(expected);
  });

  it('restores the seed, negative seeds included', () => {
    const g = new Generator(-12345);
    const state = g.getState();
    g.manualSeed(8);
    g.setState(state);
    expect(g.seed()).toBe(-12345);
    const big = new Generator(0);
    big.setState(new Generator(2 ** 40 + 1).getState());
    expect(big.seed()).toBe(2 ** 40 + 1);
  });

  it('copies: neither the returned snapshot nor the given one stays tied to the generator', () => {
    const g = new Generator(5);
    const state = g.getState();
    const expected = Array.from(g.uniform(10));
    g.setState(state);
    state.fill(0); // editing the snapshot after setState changes nothing
    expect(Array.from(g.uniform(10))).toEqual(expected);
    const snapshot = g.getState();
    g.uniform(3); // drawing after getState leaves the snapshot as it was
    expect(header(snapshot)[3]).toBe(10n);
  });

  it('accepts a snapshot that is a view into a larger buffer', () => {
    const g = new Generator(77);
    const state = g.getState();
    const expected = Array.from(g.uniform(4));
    const buffer = new Uint8Array(RNG_STATE_BYTES + 16);
    buffer.set(state, 8);
    g.setState(buffer.subarray(8, 8 + RNG_STATE_BYTES));
    expect(Array.from(g.uniform(4))).toEqual(expected);
  });

  it("accepts PyTorch's 5048-byte legacy form", () => {
    const g = new Generator(6);
    g.normal(3);
    const state = g.getState();
    const expected = drawMix(g);
    g.setState(state.slice(0, 5048));
    expect(drawMix(g)).toEqual(expected);
  });

  it('survives a round trip through JSON as an array of bytes', () => {
    const g = new Generator(31);
    g.normal(1);
    const json = JSON.stringify(Array.from(g.getState()));
    const expected = drawMix(g);
    g.setState(new Uint8Array(JSON.parse(json) as number[]));
    expect(drawMix(g)).toEqual(expected);
  });

  it('rejects invalid states with a message naming setState', () => {
    const g = new Generator(1);
    const good = g.getState();
    const before = g.getState();
    const cases: [unknown, RegExp][] = [
      [Array.from(good), /setState: expected a Uint8Array of 5056 bytes .* got an array of length 5056; wrap/],
      [null, /setState: expected a Uint8Array .* got null/],
      [new Float32Array(1264), /setState: expected a Uint8Array .* got a Float32Array of 5056 bytes/],
      [new Uint8Array(100), /setState: expected a state of 5056 bytes \(or the 5048-byte legacy form\), got 100 bytes/],
      [edited(good, (v) => v.setInt32(12, 0, true)), /setState: invalid state: the seeded flag must be 1, got 0/],
      [edited(good, (v) => v.setInt32(8, 0, true)), /setState: invalid mt19937 position: left=0, next=0/],
      [edited(good, (v) => v.setInt32(8, 625, true)), /setState: invalid mt19937 position: left=625/],
      [edited(good, (v) => (v.setInt32(8, 600, true), v.setBigUint64(16, 3n, true))), /invalid mt19937 position: left=600, next=3; expected .*next = 625 - left/],
      [edited(good, (v) => v.setBigUint64(16, 5n, true)), /invalid mt19937 position: left=1, next=5/],
      [edited(good, (v) => v.setUint32(24 + 8 * 10 + 4, 1, true)), /setState: invalid state: mt19937 word 10 does not fit 32 bits/],
      [edited(good, (v) => { for (let i = 0; i < 624; i++) v.setUint32(24 + 8 * i, 0, true); }), /every mt19937 word is zero/],
      [edited(good, (v) => v.setInt32(5040, 2, true)), /the cached-normal flag must be 0 or 1, got 2/],
      [edited(good, (v) => (v.setInt32(5040, 1, true), v.setFloat64(5024, NaN, true))), /the cached normal value must be finite, got NaN/],
      [edited(good, (v) => v.setUint8(5052, 1)), /setState: the state holds a cached float32 normal sample/],
    ];
    for (const [state, message] of cases) {
      expect(() => g.setState(state as Uint8Array)).toThrow(message);
    }
    // A rejected state leaves the generator untouched.
    expect(g.getState()).toEqual(before);
  });
});

describe('getRngState / setRngState', () => {
  it('snapshot and restore the default generator', () => {
    defaultGenerator.manualSeed(2024);
    defaultGenerator.normal(3);
    const state = getRngState();
    expect(state).toEqual(defaultGenerator.getState());
    const expected = drawMix(defaultGenerator);
    setRngState(state);
    expect(drawMix(defaultGenerator)).toEqual(expected);
    expect(() => setRngState(new Uint8Array(3))).toThrow(/setState: expected a state of 5056 bytes/);
  });
});
