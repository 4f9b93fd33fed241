// Matrix-vector kernels for GEMMs with m = 1 or n = 1 (see gemm.ts): no packing, one pass over the matrix.
// Pointers are byte addresses, strides in f32 elements; no managed allocations (`--runtime stub`).

// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/** Copies k floats spaced `stride` elements apart to dst (contiguous); returns dst. */
export function gatherVector(dst: usize, src: usize, k: i32, stride: i32): usize {
  const step = <usize>stride << 2;
  for (let p = 0; p < k; p++) store<f32>(dst + (<usize>p << 2), load<f32>(src + <usize>p * step));
  return dst;
}

/**
 * out[j·outStride] (+)= Σ_p x[p]·M[p·ldm + j] for j < count: a contiguous vector times the rows of M.
 * Used for m = 1 without transB and for n = 1 with transA.
 */
export function vectorTimesRows(
  out: usize, outStride: i32, x: usize, mat: usize, ldm: i32, k: i32, count: i32, add: bool,
): void {
  if (outStride == 1 && count >= 32) {
    vectorTimesRowsStreaming(out, x, mat, ldm, k, count, add);
    return;
  }
  const ldmBytes = <usize>ldm << 2;
  const outStep = <usize>outStride << 2;
  let j = 0;
  for (; j + 32 <= count; j += 32) {
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
    let s4 = f32x4.splat(0), s5 = f32x4.splat(0), s6 = f32x4.splat(0), s7 = f32x4.splat(0);
    let row = mat + (<usize>j << 2);
    for (let p = 0; p < k; p++) {
      const xv = v128.load32_splat(x + (<usize>p << 2));
      s0 = madd(xv, v128.load(row), s0); s1 = madd(xv, v128.load(row, 16), s1);
      s2 = madd(xv, v128.load(row, 32), s2); s3 = madd(xv, v128.load(row, 48), s3);
      s4 = madd(xv, v128.load(row, 64), s4); s5 = madd(xv, v128.load(row, 80), s5);
      s6 = madd(xv, v128.load(row, 96), s6); s7 = madd(xv, v128.load(row, 112), s7);
      row += ldmBytes;
    }
    const o = out + <usize>j * outStep;
    storeVector(o, outStep, s0, add); storeVector(o + 4 * outStep, outStep, s1, add);
    storeVector(o + 8 * outStep, outStep, s2, add); storeVector(o + 12 * outStep, outStep, s3, add);
    storeVector(o + 16 * outStep, outStep, s4, add); storeVector(o + 20 * outStep, outStep, s5, add);
    storeVector(o + 24 * outStep, outStep, s6, add); storeVector(o + 28 * outStep, outStep, s7, add);
  }
  for (; j + 4 <= count; j += 4) {
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
    let row = mat + (<usize>j << 2);
    let p = 0;
    for (; p + 2 <= k; p += 2) {
      s0 = madd(v128.load32_splat(x + (<usize>p << 2)), v128.load(row), s0);
      s1 = madd(v128.load32_splat(x + (<usize>p << 2), 4), v128.load(row + ldmBytes), s1);
      row += 2 * ldmBytes;
    }
    if (p < k) s0 = madd(v128.load32_splat(x + (<usize>p << 2)), v128.load(row), s0);
    storeVector(out + <usize>j * outStep, outStep, f32x4.add(s0, s1), add);
  }
  for (; j < count; j++) {
    let s: f32 = 0;
    let at = mat + (<usize>j << 2);
    for (let p = 0; p < k; p++) {
      s += load<f32>(x + (<usize>p << 2)) * load<f32>(at);
      at += ldmBytes;
    }
    const o = out + <usize>j * outStep;
    store<f32>(o, add ? load<f32>(o) + s : s);
  }
}

// @ts-ignore: decorator
@inline function storeVector(o: usize, step: usize, v: v128, add: bool): void {
  if (step == 4) {
    v128.store(o, add ? f32x4.add(v128.load(o), v) : v);
  } else {
    store<f32>(o, (add ? load<f32>(o) : 0) + f32x4.extract_lane(v, 0));
    store<f32>(o + step, (add ? load<f32>(o + step) : 0) + f32x4.extract_lane(v, 1));
    store<f32>(o + 2 * step, (add ? load<f32>(o + 2 * step) : 0) + f32x4.extract_lane(v, 2));
    store<f32>(o + 3 * step, (add ? load<f32>(o + 3 * step) : 0) + f32x4.extract_lane(v, 3));
  }
}

/**
 * out[i·outStride] (+)= Σ_p M[i·ldm + p]·x[p] for i < count: dot products of the rows of M with a contiguous
 * vector. Used for m = 1 with transB and for n = 1 without transA.
 */
export function rowsDotVector(
  out: usize, outStride: i32, mat: usize, ldm: i32, x: usize, k: i32, count: i32, add: bool,
): void {
  const ldmBytes = <usize>ldm << 2;
  const outStep = <usize>outStride << 2;
  const k4 = k & ~3;
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const r0 = mat + <usize>i * ldmBytes;
    const r1 = r0 + ldmBytes, r2 = r1 + ldmBytes, r3 = r2 + ldmBytes;
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
    for (let p = 0; p < k4; p += 4) {
      const off = <usize>p << 2;
      const xv = v128.load(x + off);
      s0 = madd(v128.load(r0 + off), xv, s0);
      s1 = madd(v128.load(r1 + off), xv, s1);
      s2 = madd(v128.load(r2 + off), xv, s2);
      s3 = madd(v128.load(r3 + off), xv, s3);
    }
    // Lane sums of s0..s3 as one vector: transpose-and-add.
    const t0 = f32x4.add(i32x4.shuffle(s0, s1, 0, 4, 1, 5), i32x4.shuffle(s0, s1, 2, 6, 3, 7));
    const t1 = f32x4.add(i32x4.shuffle(s2, s3, 0, 4, 1, 5), i32x4.shuffle(s2, s3, 2, 6, 3, 7));
    let sums = f32x4.add(i64x2.shuffle(t0, t1, 0, 2), i64x2.shuffle(t0, t1, 1, 3));
    for (let p = k4; p < k; p++) {
      const off = <usize>p << 2;
      const xs = load<f32>(x + off);
      sums = f32x4.add(sums, f32x4(load<f32>(r0 + off) * xs, load<f32>(r1 + off) * xs,
        load<f32>(r2 + off) * xs, load<f32>(r3 + off) * xs));
    }
    storeVector(out + <usize>i * outStep, outStep, sums, add);
  }
  for (; i < count; i++) {
    const r0 = mat + <usize>i * ldmBytes;
    let s0 = f32x4.splat(0);
    for (let p = 0; p < k4; p += 4) {
      const off = <usize>p << 2;
      s0 = madd(v128.load(r0 + off), v128.load(x + off), s0);
    }
    let s = f32x4.extract_lane(s0, 0) + f32x4.extract_lane(s0, 1) + f32x4.extract_lane(s0, 2) + f32x4.extract_lane(s0, 3);
    for (let p = k4; p < k; p++) s += load<f32>(r0 + (<usize>p << 2)) * load<f32>(x + (<usize>p << 2));
    const o = out + <usize>i * outStep;
    store<f32>(o, add ? load<f32>(o) + s : s);
  }
}

/**
 * vectorTimesRows for a contiguous output: the output row stays in cache and is updated four rows of M at a
 * time, so M is read row by row, front to back (column blocks held in registers would read each row in short
 * pieces a whole ldm apart).
 */
function vectorTimesRowsStreaming(out: usize, x: usize, mat: usize, ldm: i32, k: i32, count: i32, add: bool): void {
  const ldmBytes = <usize>ldm << 2;
  const count4 = count & ~3;
  if (!add) memory.fill(out, 0, <usize>count << 2);
  let p = 0;
  for (; p + 4 <= k; p += 4) {
    const x0 = v128.load32_splat(x + (<usize>p << 2));
    const x1 = v128.load32_splat(x + (<usize>p << 2), 4);
    const x2 = v128.load32_splat(x + (<usize>p << 2), 8);
    const x3 = v128.load32_splat(x + (<usize>p << 2), 12);
    const r0 = mat + <usize>p * ldmBytes;
    const r1 = r0 + ldmBytes, r2 = r1 + ldmBytes, r3 = r2 + ldmBytes;
    for (let j = 0; j < count4; j += 4) {
      const off = <usize>j << 2;
      let o = v128.load(out + off);
      o = madd(x0, v128.load(r0 + off), o);
      o = madd(x1, v128.load(r1 + off), o);
      o = madd(x2, v128.load(r2 + off), o);
      o = madd(x3, v128.load(r3 + off), o);
      v128.store(out + off, o);
    }
    for (let j = count4; j < count; j++) {
      const off = <usize>j << 2;
      store<f32>(out + off, load<f32>(out + off) +
        f32x4.extract_lane(x0, 0) * load<f32>(r0 + off) + f32x4.extract_lane(x1, 0) * load<f32>(r1 + off) +
        f32x4.extract_lane(x2, 0) * load<f32>(r2 + off) + f32x4.extract_lane(x3, 0) * load<f32>(r3 + off));
    }
  }
  for (; p < k; p++) {
    const x0 = v128.load32_splat(x + (<usize>p << 2));
    const r0 = mat + <usize>p * ldmBytes;
    for (let j = 0; j < count4; j += 4) {
      const off = <usize>j << 2;
      v128.store(out + off, madd(x0, v128.load(r0 + off), v128.load(out + off)));
    }
    for (let j = count4; j < count; j++) {
      const off = <usize>j << 2;
      store<f32>(out + off, load<f32>(out + off) + f32x4.extract_lane(x0, 0) * load<f32>(r0 + off));
    }
  }
}
