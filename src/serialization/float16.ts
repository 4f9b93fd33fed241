/**
 * Widening the 16-bit float formats to float32. Both conversions are exact: every half (IEEE binary16:
 * 1 sign, 5 exponent, 10 fraction bits) and every bfloat16 (the top 16 bits of a float32) is a float32.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** bfloat16 bits -> float32 value: the bits are the high half of the float32. */
export function bf16ToF32(bits: number): number {
  u32[0] = (bits & 0xffff) << 16;
  return f32[0];
}

/** IEEE half bits -> float32 value, including subnormals, infinities and NaN (payload kept). */
export function f16ToF32(bits: number): number {
  const sign = (bits & 0x8000) << 16;
  const exponent = (bits >> 10) & 0x1f;
  let fraction = bits & 0x3ff;
  if (exponent === 0x1f) {
    u32[0] = sign | 0x7f800000 | (fraction << 13);
  } else if (exponent !== 0) {
    u32[0] = sign | ((exponent + 112) << 23) | (fraction << 13);
  } else if (fraction === 0) {
    u32[0] = sign;
  } else {
    // subnormal half: value = fraction * 2^-24; normalise into float32's wider exponent range
    let e = 113;
    while ((fraction & 0x400) === 0) {
      fraction <<= 1;
      e--;
    }
    u32[0] = sign | (e << 23) | ((fraction & 0x3ff) << 13);
  }
  return f32[0];
}

/** Lookup table of all 65,536 halves, built on first use: decoding is then one load per element. */
let halfTable: Float32Array | null = null;

export function halfTableF32(): Float32Array {
  if (halfTable === null) {
    halfTable = new Float32Array(65536);
    for (let i = 0; i < 65536; i++) halfTable[i] = f16ToF32(i);
  }
  return halfTable;
}
