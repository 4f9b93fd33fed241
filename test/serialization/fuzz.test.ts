// Hostile files: mutated and truncated safetensors files fed to torch.load. Each must either load into a
// consistent state dict or throw an Error of load's own ("load: ..."): never another exception (an internal
// RangeError would mean an out-of-bounds read), a crash, a hang or a runaway allocation, and a refusal must
// leave no tensor behind.
//
// WASMTORCH_FUZZ_ITERATIONS (default 3000) sets the number of files; WASMTORCH_FUZZ_SEED (default 1) the seed.
// A failure prints the seed and iteration, and the file is reproduced by the same pair.
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index';
import { fixtureBytes, split, type Tensor } from './helpers';

const ITERATIONS = Number(process.env.WASMTORCH_FUZZ_ITERATIONS ?? 3000);
const SEED = Number(process.env.WASMTORCH_FUZZ_SEED ?? 1);

/** mulberry32: small, seedable, good enough to pick mutations. */
function makeRandom(seed: number) {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const below = (n: number): number => Math.floor(next() * n);
  const pick = <T,>(list: readonly T[]): T => list[below(list.length)];
  return { next, below, pick };
}
type Random = ReturnType<typeof makeRandom>;

const SEEDS = [
  fixtureBytes('mixed.safetensors'),
  fixtureBytes('batch_i64.safetensors'),
  fixtureBytes('model_f16.safetensors'),
  torch.save({ a: torch.tensor([[1, 2], [3, 4]]), b: torch.tensor([5, -6], { dtype: 'int64' }), c: torch.zeros(0) }),
];

const NASTY_NUMBERS = [-1, 0, 1, 2, 3, 7, 8, 255, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, 1e308, -0, 0.5, 1e-300];
const NASTY_VALUES: unknown[] = [...NASTY_NUMBERS, null, true, 'F32', '', [], {}, [1, 2, 3], { dtype: 'F32' }];
const DTYPES = ['F64', 'F32', 'F16', 'BF16', 'I64', 'I32', 'I16', 'I8', 'U64', 'U32', 'U16', 'U8', 'BOOL', 'f32', 'F8_E4M3', 'X'];

function withLength(json: Uint8Array, data: Uint8Array, claimed = json.length): Uint8Array {
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(claimed), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** One structural change to the parsed header (an object with no duplicate keys in the seeds). */
function mutateHeader(r: Random, header: Record<string, Record<string, unknown>>): string {
  const names = Object.keys(header);
  const name = r.pick(names);
  const entry = header[name];
  switch (r.below(9)) {
    case 0:
      entry.dtype = r.pick(DTYPES);
      break;
    case 1: {
      const shape = Array.isArray(entry.shape) ? (entry.shape as unknown[]) : [];
      if (shape.length && r.next() < 0.7) shape[r.below(shape.length)] = r.pick(NASTY_VALUES);
      else shape.push(r.pick(NASTY_NUMBERS));
      entry.shape = shape;
      break;
    }
    case 2: {
      const offsets = Array.isArray(entry.data_offsets) ? (entry.data_offsets as unknown[]) : [0, 0];
      offsets[r.below(2)] = r.next() < 0.5 ? r.pick(NASTY_VALUES) : Number(offsets[r.below(2)]) + r.below(17) - 8;
      break;
    }
    case 3:
      entry[r.pick(['dtype', 'shape', 'data_offsets', 'extra'])] = r.pick(NASTY_VALUES);
      break;
    case 4:
      delete entry[r.pick(['dtype', 'shape', 'data_offsets'])];
      break;
    case 5:
      header.__metadata__ = r.pick([{ a: 'b' }, { a: 1 }, 'x', [], null, { '': '' }] as never);
      break;
    case 6:
      header[r.pick(['__proto__', 'constructor', 'toString', '', name + '.2'])] = { ...entry };
      break;
    case 7:
      header[name] = r.pick(NASTY_VALUES) as never;
      break;
    default: {
      // swap the offsets of two tensors
      const other = header[r.pick(names)];
      [entry.data_offsets, other.data_offsets] = [other.data_offsets, entry.data_offsets];
    }
  }
  return JSON.stringify(header);
}

/** Text-level changes JSON.stringify cannot make: duplicate keys, deep nesting, cut-offs, bad bytes. */
function mutateText(r: Random, text: string): Uint8Array {
  const encoder = new TextEncoder();
  switch (r.below(5)) {
    case 0: {
      // duplicate the first entry under the same name
      const m = /^\{("(?:[^"\\]|\\.)*":\{[^{}]*\})/.exec(text);
      return encoder.encode(m ? `{${m[1]},${text.slice(1)}` : text);
    }
    case 1: {
      const depth = r.pick([9, 100, 10_000, 200_000]);
      return encoder.encode(`{"x":${'['.repeat(depth)}${r.next() < 0.5 ? ']'.repeat(depth) : ''}}`);
    }
    case 2:
      return encoder.encode(text.slice(0, r.below(text.length + 1)));
    case 3: {
      const bytes = encoder.encode(text);
      const at = r.below(bytes.length + 1);
      const bad = r.pick([[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0x00]]);
      return Uint8Array.from([...bytes.subarray(0, at), ...bad, ...bytes.subarray(at)]);
    }
    default: {
      const at = r.below(text.length + 1);
      return encoder.encode(text.slice(0, at) + r.pick(['"', '\\', '{', '}', ',', ':', '1e999', '-', '\\u', ' ']) + text.slice(at));
    }
  }
}

function mutate(r: Random, seed: Uint8Array): Uint8Array {
  const { header, data } = split(seed);
  switch (r.below(6)) {
    case 0: {
      // random byte flips, mostly in the header
      const out = seed.slice();
      const flips = 1 + r.below(8);
      for (let i = 0; i < flips; i++) {
        const at = r.next() < 0.8 ? r.below(Math.min(out.length, 8 + header.length)) : r.below(out.length);
        out[at] ^= 1 << r.below(8);
      }
      return out;
    }
    case 1:
      return seed.slice(0, r.below(seed.length + 1));
    case 2: {
      // the header length lies
      const json = new TextEncoder().encode(header);
      const claimed = r.pick([0, 1, json.length - 1, json.length + 1, json.length + r.below(64) - 32, seed.length, 2 ** 32 + json.length, 100_000_001, 2 ** 53]);
      return withLength(json, data, Math.max(0, claimed));
    }
    case 3:
      return withLength(new TextEncoder().encode(mutateHeader(r, JSON.parse(header))), data);
    case 4:
      return withLength(mutateText(r, header), data);
    default: {
      // data section grows or shrinks
      const delta = r.below(17) - 8;
      const resized = delta >= 0 ? Uint8Array.from([...data, ...new Uint8Array(delta).fill(r.below(256))]) : data.subarray(0, Math.max(0, data.length + delta));
      return withLength(new TextEncoder().encode(header), resized);
    }
  }
}

/** A loaded state dict must be internally consistent and survive a save/load round trip. */
function checkConsistent(sd: Record<string, Tensor>): void {
  for (const [name, t] of Object.entries(sd)) {
    if (t.dtype !== 'float32' && t.dtype !== 'int64') throw new Error(`${name}: dtype ${t.dtype}`);
    const numel = t.shape.reduce((a, b) => a * b, 1);
    if (t.numel() !== numel || t.toArray().length !== numel) throw new Error(`${name}: ${t.numel()} elements for shape [${t.shape}]`);
  }
  const again = torch.load(torch.save(sd));
  for (const [name, t] of Object.entries(sd)) {
    const a = Array.from(t.toArray());
    const b = Array.from(again[name].toArray());
    if (a.length !== b.length || a.some((v, i) => !Object.is(v, b[i]))) throw new Error(`${name}: differs after a save/load round trip`);
    again[name].dispose();
  }
}

describe('torch.load on hostile files', () => {
  it(`${ITERATIONS} mutated files (seed ${SEED}): each loads consistently or throws load's own Error`, () => {
    const r = makeRandom(SEED);
    const outcomes = { loaded: 0, refused: 0 };
    const messages = new Set<string>();
    for (let i = 0; i < ITERATIONS; i++) {
      const file = mutate(r, r.pick(SEEDS));
      const before = torch.memory().tensors;
      let sd: Record<string, Tensor>;
      try {
        sd = torch.load(file);
      } catch (e) {
        const ok = e instanceof Error && e.message.startsWith('load: ');
        if (!ok) throw new Error(`seed ${SEED} iteration ${i}: load threw ${e instanceof Error ? e.stack : String(e)}`);
        if (torch.memory().tensors !== before) throw new Error(`seed ${SEED} iteration ${i}: a refused file left tensors behind`);
        outcomes.refused++;
        messages.add(e.message.replace(/[0-9]+/g, 'N').slice(0, 80));
        continue;
      }
      try {
        checkConsistent(sd);
      } catch (e) {
        throw new Error(`seed ${SEED} iteration ${i}: loaded an inconsistent state dict: ${(e as Error).message}`);
      }
      for (const t of Object.values(sd)) t.dispose();
      outcomes.loaded++;
    }
    // the mutations reach both outcomes and many distinct checks
    expect(outcomes.loaded + outcomes.refused).toBe(ITERATIONS);
    if (ITERATIONS >= 1000) {
      expect(outcomes.loaded).toBeGreaterThan(ITERATIONS / 50);
      expect(outcomes.refused).toBeGreaterThan(ITERATIONS / 2);
      expect(messages.size).toBeGreaterThan(25);
    }
  });

  it('claimed sizes far beyond the file never allocate: a 2^30-element tensor in a 100-byte file is refused at once', () => {
    const header = '{"w":{"dtype":"F32","shape":[1073741824],"data_offsets":[0,4294967296]}}';
    const file = withLength(new TextEncoder().encode(header), new Uint8Array(16));
    expect(() => torch.load(file)).toThrow(/tensors end at byte 4294967296 of the data section, but the file holds only 16/);
  });
});
