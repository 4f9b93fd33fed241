/**
 * Scalar maths with C / PyTorch semantics where JavaScript's differ. Arguments and results are float32
 * values held in doubles; callers store results into Float32Arrays, which rounds them.
 */

const fround = Math.fround;

/**
 * C's pow (std::pow), which PyTorch uses: pow(1, y) = 1 and pow(-1, ±inf) = 1 for any y, NaN included,
 * where Math.pow gives NaN. Everything else agrees with Math.pow.
 */
export function cpow(x: number, y: number): number {
  if (x === 1) return 1;
  if (x === -1 && (y === Infinity || y === -Infinity)) return 1;
  return Math.pow(x, y);
}

/**
 * x ** exponent for a float32 x and a scalar exponent, as PyTorch 1.13's pow(Tensor, Scalar) computes it:
 * the exponents 0.5, 2, 3, -0.5, -1 and -2 use sqrt / products / reciprocals (so pow(-0, 0.5) = -0),
 * every other exponent is rounded to float32 and goes through pow.
 */
export function powScalarFn(exponent: number): (x: number) => number {
  switch (exponent) {
    case 0.5: return Math.sqrt;
    case 2: return (x) => x * x;
    case 3: return (x) => fround(x * x) * x;
    case -0.5: return (x) => 1 / fround(Math.sqrt(x));
    case -1: return (x) => 1 / x;
    case -2: return (x) => 1 / fround(x * x);
    default: {
      const e = fround(exponent);
      return (x) => cpow(x, e);
    }
  }
}

/** PyTorch's maximum: NaN if either is NaN, else (a < b ? b : a) (so maximum(-0, 0) = -0). */
export function maximum(a: number, b: number): number {
  if (a !== a || b !== b) return NaN;
  return a < b ? b : a;
}

/** PyTorch's minimum: NaN if either is NaN, else (b < a ? b : a). */
export function minimum(a: number, b: number): number {
  if (a !== a || b !== b) return NaN;
  return b < a ? b : a;
}
