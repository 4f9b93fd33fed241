/**
 * Allocation failures: a tensor too large for 32-bit WebAssembly memory, a memory the host refuses to grow,
 * and shapes whose element count overflows or exceeds 2**31 - 1 all throw an Error that names the operation,
 * the requested shape and the bytes; nothing is leaked and the engine keeps working afterwards.
 *
 * Requests the pure-JS backend would actually satisfy (a 4 GiB typed array) are only made on WebAssembly.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as torch from '../../src/index';
import { currentBackend } from '../../src/runtime';
import { SizeClassAllocator } from '../../src/backend/wasm/allocator';
import { DEFAULT_BACKEND, forEachBackend } from '../helpers/backends';

function expectEngineWorks(): void {
  const a = torch.arange(6).float().view(2, 3);
  expect(a.matmul(a.T).tolist()).toEqual([[5, 14], [14, 50]]);
  const x = torch.ones(4, { requiresGrad: true });
  x.mul(3).sum().backward();
  expect(x.grad!.tolist()).toEqual([3, 3, 3, 3]);
}

/** Runs `fn`, expects it to throw an Error whose message matches every pattern, and that live memory is unchanged. */
function expectAllocError(fn: () => unknown, ...patterns: RegExp[]): void {
  const before = torch.memory();
  let caught: unknown = null;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(Error);
  expect((caught as Error).constructor).toBe(Error);
  for (const p of patterns) expect((caught as Error).message).toMatch(p);
  const after = torch.memory();
  expect(after.bytes).toBe(before.bytes);
  expect(after.tensors).toBe(before.tensors);
  expectEngineWorks();
}

describe('tensors too large for 32-bit WebAssembly memory', () => {
  afterEach(() => torch.setBackend(DEFAULT_BACKEND));

  it('torch.zeros(2**30) (4 GiB) names the op, the shape and the bytes', () => {
    torch.setBackend('wasm');
    expectAllocError(() => torch.zeros(2 ** 30), /^zeros: /, /\[1073741824\]/, /4294967296 bytes/, /4 GiB/);
  });

  it('every creation function fails the same way', () => {
    torch.setBackend('wasm');
    const n = 2 ** 30;
    expectAllocError(() => torch.ones(n), /^ones: /, /\[1073741824\]/);
    expectAllocError(() => torch.empty(2, n / 2), /^empty: /, /\[2, 536870912\]/);
    expectAllocError(() => torch.full([n], 1.5), /^full: /, /4294967296 bytes/);
    expectAllocError(() => torch.rand(n), /^rand: /, /\[1073741824\]/);
    expectAllocError(() => torch.randn(n, { requiresGrad: true }), /^randn: /, /\[1073741824\]/);
    expectAllocError(() => torch.randint(0, 5, [n]), /^randint: /, /\[1073741824\]/);
    expectAllocError(() => torch.randperm(n), /^randperm: /, /\[1073741824\]/);
    expectAllocError(() => torch.zeros(n, { dtype: 'int64' }), /^zeros: /, /int64/);
  });

  it('an op whose result is too large fails before touching memory', () => {
    torch.setBackend('wasm');
    const col = torch.ones(2 ** 15, 1);
    const row = torch.ones(1, 2 ** 15);
    expectAllocError(() => col.add(row), /alloc: /, /\[32768, 32768\]/, /4294967296 bytes/);
    expectAllocError(() => col.matmul(row), /32768, 32768\]/, /4294967296 bytes/);
    const one = torch.ones(1);
    expectAllocError(() => one.expand(2 ** 30).contiguous(), /\[1073741824\]/);
  });

  it('the random generator is not advanced by a failed request', () => {
    torch.setBackend('wasm');
    torch.manualSeed(7);
    expect(() => torch.randn(2 ** 30)).toThrow(/^randn: /);
    const after = torch.randn(3).tolist();
    torch.manualSeed(7);
    expect(torch.randn(3).tolist()).toEqual(after);
  });
});

describe('memory the host refuses to grow', () => {
  afterEach(() => torch.setBackend(DEFAULT_BACKEND));

  it('a request that needs growth throws a clear Error and later requests succeed', () => {
    torch.setBackend('wasm');
    const reserved = currentBackend().memoryStats().reservedBytes;
    const elements = Math.ceil(reserved / 4) + 2 ** 22; // certainly past the end of the current memory
    const grow = WebAssembly.Memory.prototype.grow;
    WebAssembly.Memory.prototype.grow = function refuse(): number {
      throw new RangeError('WebAssembly.Memory.grow(): Maximum memory size exceeded');
    };
    try {
      expectAllocError(() => torch.zeros(elements),
        /^zeros: /, new RegExp(`\\[${elements}\\]`), new RegExp(`${elements * 4} bytes`), /refused to grow memory/);
    } finally {
      WebAssembly.Memory.prototype.grow = grow;
    }
    const big = torch.zeros(elements);
    expect(big.sum().item()).toBe(0);
    big.dispose();
    expectEngineWorks();
  });

  it('the allocator over a memory with a maximum reports the request and keeps serving smaller ones', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 2 });
    const allocator = new SizeClassAllocator(memory, 0, () => {});
    const small = allocator.alloc(1024, 'a small block');
    expect(() => allocator.alloc(200_000, '50000 float32 elements')).toThrow(
      /wasm alloc: cannot allocate 200000 bytes for 50000 float32 elements: the host refused to grow memory/);
    expect(allocator.bytes).toBe(1024);
    const next = allocator.alloc(4096, 'another block');
    expect(next.ptr).toBeGreaterThan(small.ptr);
    allocator.free(small.ptr, small.sizeClass);
    expect(allocator.alloc(1024, 'reused').ptr).toBe(small.ptr);
  });
});

forEachBackend(() => {
  describe('element counts that overflow or exceed 2**31 - 1', () => {
    it('zeros(70000, 70000) names the shape, the element count and the bytes', () => {
      expectAllocError(() => torch.zeros(70000, 70000), /^zeros: /, /\[70000, 70000\]/, /4900000000 elements/, /19600000000 bytes/);
    });

    it('every creation function rejects 2**31 elements before generating values', () => {
      const huge = [2 ** 16, 2 ** 15];
      expectAllocError(() => torch.zeros(huge), /^zeros: .*2\*\*31 - 1/);
      expectAllocError(() => torch.ones(...huge), /^ones: /);
      expectAllocError(() => torch.empty(huge, { dtype: 'int64' }), /^empty: /);
      expectAllocError(() => torch.full(huge, 0), /^full: /);
      expectAllocError(() => torch.rand(huge), /^rand: /);
      expectAllocError(() => torch.randn(...huge), /^randn: /);
      expectAllocError(() => torch.randint(0, 9, huge), /^randint: /);
      expectAllocError(() => torch.randperm(2 ** 31), /^randperm: /);
      expectAllocError(() => torch.eye(2 ** 16, 2 ** 15), /^eye: /);
      expectAllocError(() => torch.arange(0, 2 ** 32), /^arange: /);
      expectAllocError(() => torch.arange(0, 1, 1e-10), /^arange: /);
      expectAllocError(() => torch.Tensor(2 ** 16, 2 ** 15), /2\*\*31 - 1/);
    });

    it('products that overflow a double, or reach Infinity, are rejected', () => {
      expectAllocError(() => torch.zeros(2 ** 62, 2 ** 62), /^zeros: /, /elements/);
      expectAllocError(() => torch.zeros(1e300, 1e300), /^zeros: .*Infinity elements/);
      expectAllocError(() => torch.zeros(2 ** 53, 2 ** 53, 2 ** 53), /^zeros: /);
      // a zero dimension makes the count 0 whatever the others are, as in PyTorch
      expect(torch.zeros(0, 2 ** 40).numel()).toBe(0);
    });

    it('materialising a view with 2**31 or more elements is rejected before allocating', () => {
      const x = torch.ones(1, 1);
      expectAllocError(() => x.expand(2 ** 16, 2 ** 16).contiguous(), /\[65536, 65536\]/, /4294967296 elements/);
      expectAllocError(() => x.expand(2 ** 20, 2 ** 20).add(1), /\[1048576, 1048576\]/);
      expectAllocError(() => x.expand(2 ** 31, 1).clone(), /2\*\*31 - 1/);
    });

    it('sizes that are not non-negative integers are rejected', () => {
      for (const bad of [NaN, -1, 1.5, Infinity, -Infinity, 2 ** 40 + 0.5]) {
        expect(() => torch.zeros(2, bad), `zeros(2, ${bad})`).toThrow(/^zeros: sizes must be non-negative integers/);
        expect(() => torch.randn([bad]), `randn([${bad}])`).toThrow(/^randn: sizes must be non-negative integers/);
      }
      expectEngineWorks();
    });
  });
});
