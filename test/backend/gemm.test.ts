/**
 * The AssemblyScript GEMM kernel (assembly/gemm.ts), compiled standalone for plain and relaxed SIMD, against a
 * float64 reference: every transpose layout, batch strides zero and non-zero, accumulate, empty and odd sizes,
 * micro-tile and cache-block edges. Each call also checks that nothing outside the m×n part of C and nothing
 * past gemmScratchBytes() of scratch is written, and that A and B are left untouched. Products against a right
 * operand packed once (packWholeB / gemmPackedB, what the recurrent kernels run per time step) give gemm()'s bits.
 */
import { existsSync, readFileSync } from 'node:fs';
import v8 from 'node:v8';
import asc from 'assemblyscript/asc';
import { beforeAll, describe, expect, it } from 'vitest';

// Node 20 accepts relaxed-SIMD modules only behind this flag; it must be set before compiling.
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');

const ASSEMBLY_DIR = new URL('../../assembly/', import.meta.url);

interface GemmExports {
  memory: WebAssembly.Memory;
  gemm(
    batch: number, m: number, n: number, k: number,
    a: number, aBatchStride: number, lda: number, transA: number,
    b: number, bBatchStride: number, ldb: number, transB: number,
    c: number, cBatchStride: number, ldc: number, accumulate: number,
    scratch: number,
  ): void;
  gemmScratchBytes(m: number, n: number, k: number): number;
  packedWholeBBytes(m: number, n: number, k: number): number;
  packWholeB(dst: number, b: number, ldb: number, transB: number, k: number, n: number): void;
  gemmPackedB(
    m: number, n: number, k: number, a: number, lda: number, transA: number, wholeB: number,
    c: number, ldc: number, accumulate: number, scratch: number,
  ): void;
}

/**
 * Compiles assembly/gemm.ts on its own (with the gemm-*.ts files it imports), independent of the full kernel
 * build and of asconfig.json.
 */
async function compileKernel(relaxed: boolean): Promise<Uint8Array<ArrayBuffer>> {
  const enable = relaxed ? 'simd,relaxed-simd' : 'simd';
  let binary: Uint8Array | null = null;
  const stderr = asc.createMemoryStream();
  const { error } = await asc.main(
    ['gemm.ts', '--outFile', 'gemm.wasm', '--runtime', 'stub', '--enable', enable, '-O3', '--noAssert'],
    {
      stderr,
      readFile: (name) => (/^gemm[\w-]*\.ts$/.test(name) && existsSync(new URL(name, ASSEMBLY_DIR))
        ? readFileSync(new URL(name, ASSEMBLY_DIR), 'utf8') : null),
      writeFile: (name, contents) => { if (name === 'gemm.wasm') binary = contents as Uint8Array; },
      listFiles: () => [],
    },
  );
  if (error || !binary) throw new Error(`compiling assembly/gemm.ts (${enable}) failed: ${error}\n${stderr.toString()}`);
  return new Uint8Array(binary);
}

interface Case {
  batch?: number; m: number; n: number; k: number;
  transA?: boolean; transB?: boolean; accumulate?: boolean;
  /** use batch stride 0 for A / B (broadcast one matrix over the batch) */
  shareA?: boolean; shareB?: boolean;
  /** extra elements per row beyond the stored row length */
  pad?: number;
}

/** Deterministic values in [-1, 1) so failures reproduce. */
function fill(arr: Float32Array, seed: number): void {
  let s = seed >>> 0 || 1;
  for (let i = 0; i < arr.length; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    arr[i] = s / 2 ** 31 - 1;
  }
}

const CANARY = -12345.5;

/** Runs one case on the kernel and returns a description of the first problem, or null when all is well. */
function runCase(ex: GemmExports, cs: Case): string | null {
  const { m, n, k } = cs;
  const batch = cs.batch ?? 1;
  const tA = cs.transA ?? false, tB = cs.transB ?? false, acc = cs.accumulate ?? false;
  const pad = cs.pad ?? 0;
  const lda = (tA ? m : k) + pad, ldb = (tB ? k : n) + pad, ldc = n + pad;
  const aRows = tA ? k : m, bRows = tB ? n : k;
  const aMat = aRows * lda, bMat = bRows * ldb, cMat = m * ldc;
  const aBS = cs.shareA ? 0 : aMat + 3, bBS = cs.shareB ? 0 : bMat + 1, cBS = cMat + 2;
  const slots = Math.max(batch, 1);
  const aLen = aBS * (slots - 1) + aMat, bLen = bBS * (slots - 1) + bMat, cLen = cBS * (slots - 1) + cMat;
  const scratchBytes = ex.gemmScratchBytes(m, n, k);
  const guard = 64;

  // Odd element offsets so vector loads of A, B and C are unaligned; scratch is 16-byte aligned per contract.
  const aOff = 1, bOff = aOff + aLen + 1, cOff = bOff + bLen + 1;
  const scratchOff = Math.ceil((cOff + cLen + 1) / 4) * 4;
  const total = scratchOff + scratchBytes / 4 + guard;
  const base = 1024;
  const needBytes = base + total * 4;
  if (ex.memory.buffer.byteLength < needBytes) {
    ex.memory.grow(Math.ceil((needBytes - ex.memory.buffer.byteLength) / 65536));
  }
  const heap = new Float32Array(ex.memory.buffer, base, total);
  const A = heap.subarray(aOff, aOff + aLen), B = heap.subarray(bOff, bOff + bLen), C = heap.subarray(cOff, cOff + cLen);
  fill(A, m * 7919 + k * 31 + 1);
  fill(B, n * 104729 + k * 17 + 2);
  fill(C, m + n + k + 3);
  heap.fill(CANARY, scratchOff + scratchBytes / 4, total);
  const a0 = A.slice(), b0 = B.slice(), c0 = C.slice();

  ex.gemm(batch, m, n, k,
    base + aOff * 4, aBS, lda, tA ? 1 : 0,
    base + bOff * 4, bBS, ldb, tB ? 1 : 0,
    base + cOff * 4, cBS, ldc, acc ? 1 : 0,
    base + scratchOff * 4);

  const label = JSON.stringify(cs);
  for (let i = 0; i < aLen; i++) if (!Object.is(A[i], a0[i])) return `${label}: A changed at ${i}`;
  for (let i = 0; i < bLen; i++) if (!Object.is(B[i], b0[i])) return `${label}: B changed at ${i}`;
  for (let i = scratchOff + scratchBytes / 4; i < total; i++) {
    if (heap[i] !== CANARY) return `${label}: wrote past gemmScratchBytes = ${scratchBytes}`;
  }
  const inside = new Uint8Array(cLen);
  for (let bi = 0; bi < batch; bi++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0, mag = 0;
        for (let p = 0; p < k; p++) {
          const av = a0[bi * aBS + (tA ? p * lda + i : i * lda + p)];
          const bv = b0[bi * bBS + (tB ? j * ldb + p : p * ldb + j)];
          sum += av * bv;
          mag += Math.abs(av * bv);
        }
        const ci = bi * cBS + i * ldc + j;
        inside[ci] = 1;
        if (acc) { sum += c0[ci]; mag += Math.abs(c0[ci]); }
        // float32 accumulation error grows at most linearly with k (plus one rounding of the stored result).
        const tol = (k + 2) * 2 ** -23 * mag + 1e-30;
        if (!(Math.abs(C[ci] - sum) <= tol)) {
          return `${label}: C[batch ${bi}][${i}, ${j}] = ${C[ci]}, expected ${sum} (tolerance ${tol})`;
        }
      }
    }
  }
  for (let i = 0; i < cLen; i++) {
    if (!inside[i] && !Object.is(C[i], c0[i])) return `${label}: wrote C outside m×n at element ${i}`;
  }
  return null;
}

const LAYOUTS: Array<[boolean, boolean]> = [[false, false], [true, false], [false, true], [true, true]];
const layoutName = ([tA, tB]: [boolean, boolean]) => `${tA ? 'T' : 'N'}${tB ? 'T' : 'N'}`;

function expectAll(ex: GemmExports, cases: Case[]): void {
  const failures: string[] = [];
  for (const cs of cases) {
    const problem = runCase(ex, cs);
    if (problem) failures.push(problem);
  }
  expect(failures.slice(0, 5), `${failures.length} of ${cases.length} cases failed`).toEqual([]);
}

for (const relaxed of [false, true]) {
  describe(`assembly/gemm.ts (${relaxed ? 'relaxed SIMD' : 'SIMD'})`, () => {
    let ex: GemmExports | null = null;

    beforeAll(async () => {
      const binary = await compileKernel(relaxed);
      // A relaxed build is only tested where this engine accepts it.
      if (!WebAssembly.validate(binary)) return;
      const { instance } = await WebAssembly.instantiate(binary, { env: { abort() { throw new Error('abort'); } } });
      ex = instance.exports as unknown as GemmExports;
    }, 60_000);

    const kernel = (): GemmExports => {
      if (!ex) throw new Error('gemm kernel did not validate on this engine');
      return ex;
    };
    const itIf = (name: string, fn: () => void) => it(name, (ctx) => {
      if (!ex) ctx.skip();
      fn();
    });

    for (const layout of LAYOUTS) {
      const [transA, transB] = layout;
      itIf(`${layoutName(layout)}: small and tile-edge sizes`, () => {
        const dims = [0, 1, 2, 5, 7, 8, 9, 13, 17, 33];
        const cases: Case[] = [];
        for (const m of dims) {
          for (const n of dims) {
            for (const k of [0, 1, 3, 8, 13, 33]) cases.push({ m, n, k, transA, transB, accumulate: (m + n + k) % 2 === 1 });
          }
        }
        expectAll(kernel(), cases);
      });

      itIf(`${layoutName(layout)}: larger sizes across micro-tile and cache-block edges`, () => {
        const cases: Case[] = [];
        for (const s of [65, 127, 128]) cases.push({ m: s, n: s, k: s, transA, transB });
        cases.push({ m: 121, n: 67, k: 257, transA, transB, accumulate: true, pad: 3 }); // m > MC, k > KC
        cases.push({ m: 300, n: 40, k: 520, transA, transB }); // several KC and MC blocks
        cases.push({ m: 7, n: 2100, k: 9, transA, transB, pad: 1 }); // n > NC with few rows
        cases.push({ m: 30, n: 2100, k: 5, transA, transB }); // n > NC, packed B
        cases.push({ m: 24, n: 37, k: 300, transA, transB, accumulate: true });
        cases.push({ m: 1, n: 1000, k: 257, transA, transB, pad: 2 }); // row vector
        cases.push({ m: 1000, n: 1, k: 257, transA, transB, pad: 2 }); // column vector
        cases.push({ m: 1, n: 1, k: 1000, transA, transB, accumulate: true });
        cases.push({ m: 1, n: 35, k: 6, transA, transB, accumulate: true });
        cases.push({ m: 35, n: 1, k: 6, transA, transB, accumulate: true });
        cases.push({ m: 128, n: 185, k: 1, transA, transB, accumulate: true, pad: 2 }); // outer product (Linear weight grad)
        cases.push({ m: 131, n: 9, k: 1, transA, transB, pad: 1 });
        expectAll(kernel(), cases);
      });

      itIf(`${layoutName(layout)}: batches with shared and strided operands`, () => {
        const cases: Case[] = [];
        for (const [shareA, shareB] of LAYOUTS) {
          for (const accumulate of [false, true]) {
            cases.push({ batch: 3, m: 9, n: 17, k: 13, transA, transB, shareA, shareB, accumulate, pad: 1 });
            cases.push({ batch: 2, m: 1, n: 9, k: 5, transA, transB, shareA, shareB, accumulate });
            cases.push({ batch: 2, m: 9, n: 1, k: 5, transA, transB, shareA, shareB, accumulate });
            cases.push({ batch: 2, m: 4, n: 4, k: 0, transA, transB, shareA, shareB, accumulate });
          }
        }
        cases.push({ batch: 0, m: 5, n: 5, k: 5, transA, transB });
        // A shared B larger than one packed block (k > KC, n > NC) must be repacked per block.
        cases.push({ batch: 2, m: 30, n: 20, k: 300, transA, transB, shareB: true, accumulate: true });
        cases.push({ batch: 2, m: 9, n: 2100, k: 5, transA, transB, shareB: true });
        cases.push({ batch: 3, m: 40, n: 24, k: 32, transA, transB, shareB: true });
        expectAll(kernel(), cases);
      });
    }

    itIf('a right operand packed once (packWholeB) gives gemm()\'s bits, in every layout and across KC blocks', () => {
      const ex = kernel();
      const failures: string[] = [];
      const shapes: [number, number, number][] = [[32, 1024, 256], [32, 256, 1024], [3, 7, 2], [24, 37, 300], [25, 64, 513],
        [130, 40, 9], [7, 2048, 3]];
      for (const [m, n, k] of shapes) {
        for (const [transA, transB] of LAYOUTS) {
          for (const accumulate of [false, true]) {
            const label = JSON.stringify({ m, n, k, transA, transB, accumulate });
            const lda = transA ? m : k, ldb = transB ? k : n;
            const scratchBytes = ex.gemmScratchBytes(m, n, k), wholeBytes = ex.packedWholeBBytes(m, n, k);
            // A, B, C by gemm(), C by gemmPackedB, scratch, whole B (+ guard): float offsets from `base`
            const aLen = m * k, bLen = k * n, cLen = m * n;
            const offs = [0];
            for (const len of [aLen, bLen, cLen, cLen]) offs.push(Math.ceil((offs[offs.length - 1]! + len) / 4) * 4);
            const scratchOff = offs[4]!, wholeOff = scratchOff + scratchBytes / 4, end = wholeOff + wholeBytes / 4 + 64;
            const base = 1024;
            if (ex.memory.buffer.byteLength < base + end * 4) ex.memory.grow(Math.ceil((base + end * 4 - ex.memory.buffer.byteLength) / 65536));
            const heap = new Float32Array(ex.memory.buffer, base, end);
            const at = (floats: number) => base + floats * 4;
            fill(heap.subarray(0, offs[2]!), m * 31 + n * 7 + k);
            fill(heap.subarray(offs[2]!, offs[3]!), 5);
            heap.copyWithin(offs[3]!, offs[2]!, offs[2]! + cLen);
            heap.fill(CANARY, wholeOff + wholeBytes / 4, end);
            const b0 = heap.slice(offs[1]!, offs[1]! + bLen);
            ex.gemm(1, m, n, k, at(0), 0, lda, transA ? 1 : 0, at(offs[1]!), 0, ldb, transB ? 1 : 0, at(offs[2]!), 0, n,
              accumulate ? 1 : 0, at(scratchOff));
            expect(wholeBytes, label).toBe(k * Math.ceil(n / 8) * 8 * 4);
            ex.packWholeB(at(wholeOff), at(offs[1]!), ldb, transB ? 1 : 0, k, n);
            ex.gemmPackedB(m, n, k, at(0), lda, transA ? 1 : 0, at(wholeOff), at(offs[3]!), n, accumulate ? 1 : 0, at(scratchOff));
            const byGemm = new Uint32Array(heap.buffer, at(offs[2]!), cLen), byPacked = new Uint32Array(heap.buffer, at(offs[3]!), cLen);
            if (!byGemm.every((v, i) => v === byPacked[i])) failures.push(`${label}: C differs from gemm()'s`);
            if (!heap.subarray(wholeOff + wholeBytes / 4, end).every((v) => v === CANARY)) failures.push(`${label}: wrote past packedWholeBBytes`);
            if (!heap.subarray(offs[1]!, offs[1]! + bLen).every((v, i) => Object.is(v, b0[i]))) failures.push(`${label}: B changed`);
          }
        }
      }
      expect(failures.slice(0, 5), `${failures.length} cases failed`).toEqual([]);
    });

    itIf('packedWholeBBytes is 0 where gemm() would not run the blocked product, n > NC or beyond 64 MiB', () => {
      const ex = kernel();
      expect(ex.packedWholeBBytes(2, 100, 50)).toBe(0); // two rows: matrix-vector products
      expect(ex.packedWholeBBytes(50, 6, 50)).toBe(0); // six columns: matrix-vector products
      expect(ex.packedWholeBBytes(50, 100, 1)).toBe(0); // k = 1: outer product
      expect(ex.packedWholeBBytes(50, 2049, 50)).toBe(0); // more than one NC block of columns
      expect(ex.packedWholeBBytes(50, 2048, 8193)).toBe(0); // more than 64 MiB packed
      expect(ex.packedWholeBBytes(50, 2048, 8192)).toBe(2048 * 8192 * 4);
      expect(ex.packedWholeBBytes(3, 9, 2)).toBe(2 * 16 * 4);
    });

    itIf('k = 0 writes zeros, or leaves C unchanged when accumulating', () => {
      const ex = kernel();
      const base = 1024, ldc = 5;
      const heap = new Float32Array(ex.memory.buffer, base, 2 * 3 * ldc);
      heap.fill(7);
      ex.gemm(1, 2, 3, 0, base, 0, 1, 0, base, 0, 3, 0, base, 0, ldc, 0, base + 4096);
      expect(Array.from(heap.subarray(0, 2 * ldc))).toEqual([0, 0, 0, 7, 7, 0, 0, 0, 7, 7]);
      heap.fill(7);
      ex.gemm(1, 2, 3, 0, base, 0, 1, 0, base, 0, 3, 0, base, 0, ldc, 1, base + 4096);
      expect(Array.from(heap.subarray(0, 2 * ldc))).toEqual(new Array(10).fill(7));
    });

    itIf('1×4 · 4×4 gives exact small-integer products', () => {
      const ex = kernel();
      const base = 1024;
      const heap = new Float32Array(ex.memory.buffer, base, 32);
      heap.set([1, 2, 3, 4], 0); // a: 1×4
      heap.set([1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 1, 1, 2, 2, 2, 2], 4); // b: 4×4
      ex.gemm(1, 1, 4, 4, base, 0, 4, 0, base + 16, 0, 4, 0, base + 80, 0, 4, 0, base + 128);
      expect(Array.from(heap.subarray(20, 24))).toEqual([9, 10, 11, 14]);
    });
  });
}
