/**
 * Property-based fuzzing of the public API with fast-check, from a fixed seed:
 *
 * 1. Random programs (programs.ts: elementwise maths with broadcasting, views, reductions, products, joins,
 *    indexing, in-place updates) give the same values and gradients on the WebAssembly and pure-JS kernel sets.
 * 2. The same programs give the same results when every view is materialised with contiguous(), so strided
 *    kernels agree with contiguous ones.
 * 3. Random calls with invalid arguments (invalid-calls.ts) throw a plain Error naming the operation (never a
 *    TypeError or RangeError from deep inside, never a crash), and the engine stays usable: a valid op
 *    afterwards gives the right answer.
 *
 * `npm test` runs a few seconds' worth; `WASMTORCH_FUZZ=long` runs many more cases; `WASMTORCH_FUZZ_SEED`
 * replays another seed.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import * as torch from '../../src/index';
import { DEFAULT_BACKEND } from '../helpers/backends';
import { buildProgram, describeProgram, prng, runProgram, type Program, type RunResult } from './programs';
import { CATALOGUE, draw, drawReceiver, type Drawn } from './invalid-calls';

const LONG = process.env.WASMTORCH_FUZZ === 'long';
const SEED = Number(process.env.WASMTORCH_FUZZ_SEED ?? 1301);
const PROGRAM_RUNS = LONG ? 3000 : 200;
const CALL_RUNS = LONG ? 30000 : 1500;
const TIMEOUT = LONG ? 3_600_000 : 120_000;

const programArb = fc.record({
  choices: fc.array(fc.nat({ max: 1 << 20 }), { maxLength: 120 }),
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  length: fc.integer({ min: 1, max: LONG ? 40 : 16 }),
});

/**
 * Within float32 rounding: |a − b| <= 1e-4·(|b| + scale), where scale is the largest finite magnitude of the
 * tensor (sums and products cancel, so an element's error follows the magnitudes it was computed from).
 * NaN matches NaN and infinities match by sign.
 */
function mismatch(a: ArrayLike<number>, b: ArrayLike<number>): string | null {
  if (a.length !== b.length) return `length ${a.length} vs ${b.length}`;
  let scale = 1;
  for (let i = 0; i < b.length; i++) if (Number.isFinite(b[i])) scale = Math.max(scale, Math.abs(b[i]));
  for (let i = 0; i < b.length; i++) {
    const x = a[i];
    const y = b[i];
    if (Number.isNaN(y) ? Number.isNaN(x) : !Number.isFinite(y) ? x === y : Math.abs(x - y) <= 1e-4 * (Math.abs(y) + scale)) continue;
    return `element ${i}: ${x} vs ${y}`;
  }
  return null;
}

function compareRuns(program: Program, a: RunResult, b: RunResult, what: [string, string]): void {
  const problems: string[] = [];
  a.values.forEach((v, i) => {
    const m = mismatch(v, b.values[i]);
    if (m) problems.push(`value of %${i}: ${m}`);
  });
  a.grads.forEach((g, i) => {
    const h = b.grads[i];
    if ((g === null) !== (h === null)) problems.push(`grad of leaf ${i}: ${g === null ? 'none' : 'present'} vs ${h === null ? 'none' : 'present'}`);
    else if (g && h) {
      const m = mismatch(g, h);
      if (m) problems.push(`grad of leaf ${i}: ${m}`);
    }
  });
  if (problems.length > 0) {
    throw new Error(`${what[0]} and ${what[1]} disagree:\n  ${problems.slice(0, 5).join('\n  ')}\nprogram:\n${describeProgram(program)}`);
  }
}

function on<T>(backend: 'wasm' | 'js', fn: () => T): T {
  torch.setBackend(backend);
  return fn();
}

describe(`fuzzing random programs (${LONG ? 'long' : 'bounded'} mode, seed ${SEED})`, () => {
  afterAll(() => torch.setBackend(DEFAULT_BACKEND));

  it('the WebAssembly and pure-JS kernel sets give the same values and gradients', () => {
    fc.assert(fc.property(programArb, ({ choices, seed, length }) => {
      const program = buildProgram(choices, seed, length);
      const wasm = on('wasm', () => runProgram(program, seed));
      const js = on('js', () => runProgram(program, seed));
      compareRuns(program, wasm, js, ['wasm', 'js']);
    }), { seed: SEED, numRuns: PROGRAM_RUNS });
  }, TIMEOUT);

  it('views give the same results as their contiguous copies, on both kernel sets', () => {
    fc.assert(fc.property(programArb, fc.constantFrom<'wasm' | 'js'>('wasm', 'js'), ({ choices, seed, length }, backend) => {
      const program = buildProgram(choices, seed, length);
      const strided = on(backend, () => runProgram(program, seed));
      const copied = on(backend, () => runProgram(program, seed, { materialize: true }));
      compareRuns(program, strided, copied, [`${backend} with views`, `${backend} with contiguous copies`]);
    }), { seed: SEED + 1, numRuns: PROGRAM_RUNS });
  }, TIMEOUT);
});

/** A valid op and a backward pass give the right answers, and nothing was left switched. */
function expectEngineUsable(backend: string): void {
  expect(torch.backend()).toBe(backend);
  const x = torch.tensor([1, 2, 3], { requiresGrad: true });
  const y = x.mul(torch.tensor([[1], [2]])).sum();
  expect(y.requiresGrad).toBe(true);
  y.backward();
  expect(y.item()).toBe(18);
  expect(x.grad!.tolist()).toEqual([3, 3, 3]);
  expect(torch.arange(4).float().view(2, 2).matmul(torch.ones(2)).tolist()).toEqual([1, 5]);
}

function describeArgs(args: Drawn[]): string {
  return args.map((a) => a.description).join(', ');
}

describe(`fuzzing invalid calls (${LONG ? 'long' : 'bounded'} mode, seed ${SEED})`, () => {
  afterAll(() => torch.setBackend(DEFAULT_BACKEND));

  it('every call either succeeds or throws a plain Error naming the op, and the engine stays usable', () => {
    const warn = console.warn;
    console.warn = () => {};
    const counts = { ok: 0, errors: 0 };
    try {
      fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (callSeed) => {
        const random = prng(callSeed);
        const pick = (n: number) => Math.floor(random() * n);
        const entry = CATALOGUE[pick(CATALOGUE.length)];
        const backend = pick(2) === 0 || entry.wasmOnly ? 'wasm' : 'js';
        torch.setBackend(backend);
        const active = torch.backend();
        const args = entry.params.map((kind, i) => (i === 0 && entry.method ? drawReceiver(pick) : draw(kind, pick)));
        const label = `${entry.name}(${describeArgs(args)}) on ${active}`;
        let caught: unknown = null;
        try {
          entry.call(args.map((a) => a.value));
        } catch (e) {
          caught = e;
        }
        if (caught === null) counts.ok++;
        else {
          counts.errors++;
          expect(caught, label).toBeInstanceOf(Error);
          const error = caught as Error;
          expect(error.constructor, `${label} threw ${error.constructor.name}: ${error.message}`).toBe(Error);
          const message = error.message;
          const names = [entry.name, ...(entry.aliases ?? [])].map((n) => n.toLowerCase());
          const freed = args.some((a) => a.freed) && /can no longer be used/.test(message);
          const named = names.some((n) => message.toLowerCase().startsWith(`${n}:`) || message.toLowerCase().startsWith(`${n} `));
          expect(named || freed, `${label}: the message should start with the op name: ${message}`).toBe(true);
        }
        expectEngineUsable(active);
      }), { seed: SEED + 2, numRuns: CALL_RUNS });
    } finally {
      console.warn = warn;
    }
    // the pool must exercise both outcomes
    expect(counts.ok).toBeGreaterThan(CALL_RUNS / 20);
    expect(counts.errors).toBeGreaterThan(CALL_RUNS / 4);
  }, TIMEOUT);
});
