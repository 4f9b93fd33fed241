/**
 * How one gemm() call is cut into parts for several threads, each part a gemm() call of its own.
 *
 * Parts never change a bit of the result: batch entries are independent, and within one product only the
 * blocked kernel's paths are split (rows at multiples of its row tile, columns at multiples of 8), where every
 * entry of C is the same sequence of multiply-adds whatever range it falls in (assembly/gemm.ts gemmIsBlocked).
 * Products too small to repay a wake-up (see PARALLEL_MIN_FLOPS) stay whole.
 */

/** gemm()'s operands with byte addresses (the kernel's ABI, see module.ts). */
export interface GemmArgs {
  batch: number; m: number; n: number; k: number;
  a: number; aBatchStride: number; lda: number; transA: number;
  b: number; bBatchStride: number; ldb: number; transB: number;
  c: number; cBatchStride: number; ldc: number; accumulate: number;
}

/**
 * Below this many flops (2·batch·m·n·k) a product runs on one thread: at ~50 GFLOP/s that is ~80 µs, against a
 * worker's wake-up of 10–100 µs when it sleeps (shared/NOTES.md). At 128³ (just 2^22) two threads still gain:
 * 84 → 53–70 µs through the package (bench/RESULTS.md, "Two threads").
 */
export const PARALLEL_MIN_FLOPS = 1 << 22;
/** Columns of the micro-kernel's B panels: column splits land on multiples of it. */
export const COLUMN_TILE = 8;

export interface SplitKernel {
  gemmRowTile(): number;
  gemmIsBlocked(m: number, n: number): number;
}

/** `count` ranges covering [0, total), each a multiple of `tile` long (the last takes the remainder). */
export function ranges(total: number, count: number, tile: number): [number, number][] {
  const tiles = Math.ceil(total / tile);
  const out: [number, number][] = [];
  let start = 0;
  for (let p = 0; p < count; p++) {
    const end = Math.min(total, Math.round((tiles * (p + 1)) / count) * tile);
    if (end > start) out.push([start, end]);
    start = end;
  }
  return out;
}

/** The parts of `g` for up to `threads` threads, or null when it should run whole. */
export function splitGemm(g: GemmArgs, threads: number, kernel: SplitKernel): GemmArgs[] | null {
  if (threads < 2 || g.k <= 0 || 2 * g.batch * g.m * g.n * g.k < PARALLEL_MIN_FLOPS) return null;
  if (g.batch >= threads) {
    return ranges(g.batch, threads, 1).map(([b0, b1]) => ({
      ...g,
      batch: b1 - b0,
      a: g.a + 4 * b0 * g.aBatchStride,
      b: g.b + 4 * b0 * g.bBatchStride,
      c: g.c + 4 * b0 * g.cBatchStride,
    }));
  }
  if (!kernel.gemmIsBlocked(g.m, g.n)) return null;
  const rowTile = kernel.gemmRowTile();
  // split the longer side; every part must stay on the blocked path
  const byColumns = g.n >= g.m;
  const parts = byColumns ? ranges(g.n, threads, COLUMN_TILE) : ranges(g.m, threads, rowTile);
  if (parts.length < 2) return null;
  for (const [s, e] of parts) {
    if (!(byColumns ? kernel.gemmIsBlocked(g.m, e - s) : kernel.gemmIsBlocked(e - s, g.n))) return null;
  }
  return parts.map(([s, e]) => byColumns
    ? { ...g, n: e - s, b: g.b + 4 * s * (g.transB ? g.ldb : 1), c: g.c + 4 * s }
    : { ...g, m: e - s, a: g.a + 4 * s * (g.transA ? 1 : g.lda), c: g.c + 4 * s * g.ldc });
}
