/**
 * Kernel threads: with torch.setNumThreads(2) large products and recurrent layers run on two threads over the
 * wasm backends' shared memory, and every result has exactly the bits it has on one thread.
 */
import { availableParallelism } from 'node:os';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as torch from '../../src/index';
import { Recurrent, type Backend, type Buf } from '../../src/backend/types';
import { createWasmBackend } from '../../src/backend/wasm/index';
import { BACKENDS, DEFAULT_BACKEND } from '../helpers/backends';

const WASM = BACKENDS.filter((b) => b !== 'js');

/** Bits of a float32 tensor, for exact comparison (NaN-safe). */
function bits(t: torch.Tensor): number[] {
  return Array.from(new Uint32Array(new Float32Array(t.contiguous().toArray() as number[]).buffer));
}

/** Runs `fn` on one thread, then on two, returning both results' bits. */
function oneAndTwo(fn: () => torch.Tensor[]): [number[][], number[][]] {
  torch.setNumThreads(1);
  const one = fn().map(bits);
  torch.setNumThreads(2);
  const two = fn().map(bits);
  return [one, two];
}

/** Starts the pool (a product large enough to split) and waits until its worker has instantiated the module. */
async function twoThreadsReady(): Promise<void> {
  torch.setNumThreads(2);
  const a = torch.ones(256, 256);
  const deadline = Date.now() + 10_000;
  while (torch.parallelInfo().threadsReady < 2 && Date.now() < deadline) {
    torch.noGrad(() => torch.matmul(a, a));
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  expect(torch.parallelInfo().threadsReady).toBe(2);
}

describe('torch.setNumThreads / getNumThreads', () => {
  afterAll(() => torch.setNumThreads(Math.min(2, availableParallelism())));

  test('defaults to two threads where there are two CPUs (Node shares memory with workers)', () => {
    expect(torch.getNumThreads()).toBe(Math.min(2, availableParallelism()));
  });

  test('takes integers from 1 to 16 and rejects anything else with the value', () => {
    torch.setNumThreads(1);
    expect(torch.getNumThreads()).toBe(1);
    torch.setNumThreads(3);
    expect(torch.getNumThreads()).toBe(3);
    for (const bad of [0, -1, 1.5, 17, NaN]) {
      expect(() => torch.setNumThreads(bad)).toThrow(new RegExp(`setNumThreads: expected an integer from 1 to 16, got ${bad}`));
    }
    expect(torch.getNumThreads()).toBe(3);
  });

  test('the pure-JS backend runs on one thread; the wasm backends share their memory in Node', () => {
    torch.setBackend('js');
    expect(torch.parallelInfo()).toMatchObject({ threadsReady: 1, sharedMemory: false });
    for (const name of WASM) {
      torch.setBackend(name);
      expect(torch.parallelInfo().sharedMemory).toBe(true);
    }
    torch.setBackend(DEFAULT_BACKEND);
  });
});

for (const name of WASM) {
  describe(`[${name}] two threads give one thread's bits`, () => {
    beforeAll(async () => {
      torch.setBackend(name);
      await twoThreadsReady();
    });
    afterAll(() => {
      torch.setNumThreads(Math.min(2, availableParallelism()));
      torch.setBackend(DEFAULT_BACKEND);
    });

    // [m, k, n]: square, odd, tall, wide, and a product just large enough to be split
    const shapes: [number, number, number][] = [[256, 256, 256], [129, 257, 65], [1000, 64, 72], [40, 300, 700], [128, 128, 128]];
    test.each(shapes)('matmul and its gradients, [%i, %i] x [%i, n]', (m, k, n) => {
      torch.manualSeed(m + k + n);
      const a = torch.randn(m, k, { requiresGrad: true });
      const b = torch.randn(k, n, { requiresGrad: true });
      const [one, two] = oneAndTwo(() => {
        a.grad = null;
        b.grad = null;
        const c = torch.matmul(a, b);
        c.mul(c).sum().backward(); // dA = dC·Bᵀ and dB = Aᵀ·dC: the transposed layouts
        return [c, a.grad!, b.grad!];
      });
      expect(two).toEqual(one);
    });

    test('batched products split by batch entry, with a shared right operand', () => {
      torch.manualSeed(1);
      const a = torch.randn(3, 200, 96);
      const b = torch.randn(96, 150);
      const c = torch.randn(5, 64, 64);
      const [one, two] = oneAndTwo(() => [torch.matmul(a, b), torch.bmm(c, c)]);
      expect(two).toEqual(one);
    });

    const recurrent: [string, number, number, boolean][] = [
      ['LSTM', 128, 2, false], ['GRU', 130, 1, true], ['RNN', 256, 1, false], ['LSTM', 100, 1, true],
    ];
    test.each(recurrent)('%s hidden %i, %i layer(s), bidirectional %s: output, states and every gradient', (ctor, hidden, numLayers, bidirectional) => {
      torch.manualSeed(hidden);
      const Ctor = (torch.nn as unknown as Record<string, new (i: number, h: number, o: object) => torch.nn.Module>)[ctor]!;
      const layer = new Ctor(24, hidden, { numLayers, bidirectional, ...(ctor === 'RNN' ? { nonlinearity: 'relu' } : {}) });
      const x = torch.randn(9, 16, 24, { requiresGrad: true });
      const [one, two] = oneAndTwo(() => {
        x.grad = null;
        layer.zeroGrad();
        const [y, state] = (layer as unknown as { forward(x: torch.Tensor): [torch.Tensor, torch.Tensor | torch.Tensor[]] }).forward(x);
        const states = Array.isArray(state) ? state : [state]; // LSTM: [h_n, c_n]
        y.mul(y).sum().add(states.reduce((s, h) => s.add(h.sum()), torch.zeros([]))).backward();
        return [y, ...states, x.grad!, ...layer.parameters().map((p) => p.grad!)];
      });
      expect(two).toEqual(one);
    });

    test('an LSTMCell stepped by hand', () => {
      torch.manualSeed(7);
      const cell = new torch.nn.LSTMCell(32, 256);
      const xs = torch.randn(4, 16, 32);
      const [one, two] = oneAndTwo(() => {
        cell.zeroGrad();
        let h = torch.zeros(16, 256);
        let c = torch.zeros(16, 256);
        for (const x of xs.unbind(0)) [h, c] = cell.forward(x, [h, c]);
        h.sum().add(c.mul(c).sum()).backward();
        return [h, c, ...cell.parameters().map((p) => p.grad!)];
      });
      expect(two).toEqual(one);
    });
  });
}

describe('a recurrent call whose part fails on one thread', () => {
  afterAll(() => torch.setNumThreads(Math.min(2, availableParallelism())));

  test('throws instead of leaving the other thread at the per-step barrier; the next call runs as before', async () => {
    torch.setNumThreads(2);
    const be: Backend = createWasmBackend('simd', { shared: true });
    const [T, B, H] = [2, 32, 256]; // each step's product is large enough to split its 256 units 128 / 128
    const filled = (n: number, value: (i: number) => number): Buf => {
      const b = be.alloc(n, 'float32');
      be.write(b, 0, Float32Array.from({ length: n }, (_, i) => value(i)));
      return b;
    };
    const xProj = filled(T * B * H, (i) => 0.1 * Math.sin(i));
    const wHh = filled(H * H, (i) => 0.05 * Math.cos(i));
    const h0 = filled(B * H, (i) => 0.01 * (i % 7));
    const out = be.alloc(T * B * H, 'float32');
    const hN = be.alloc(B * H, 'float32');
    const run = (o: Buf): void => be.rnnForward(Recurrent.rnnTanh, T, B, H, false, xProj, 0, wHh, 0, null, 0, null, 0,
      h0, 0, null, 0, o, 0, hN, 0, null, 0, null, 0);
    const deadline = Date.now() + 10_000;
    while (be.readyThreads() < 2 && Date.now() < deadline) {
      run(out);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(be.readyThreads()).toBe(2);
    run(out);
    const expected = Array.from(be.read(out, 0, T * B * H));

    // An output whose last row of step 0 ends exactly at the end of memory for the first thread's units: the
    // second thread traps writing its units of that row, while the first waits for it after the step.
    const end = be.memoryStats().reservedBytes;
    const beyond = { length: T * B * H, dtype: 'float32', ptr: end - ((B - 1) * H + H / 2) * 4, sizeClass: -1 } as Buf;
    expect(() => run(beyond)).toThrow(/rnnForward: kernel thread 1 failed|out of bounds/);

    run(out);
    expect(Array.from(be.read(out, 0, T * B * H))).toEqual(expected);
  });
});
