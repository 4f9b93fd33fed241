/**
 * Random-state snapshots in the byte layout of PyTorch 1.13's `torch.get_rng_state()` (CPU generator):
 * the `THGeneratorStateNew` struct of ATen's CPUGeneratorImpl.cpp, little-endian, 5056 bytes.
 *
 *   offset  type        field
 *   0       uint64      initial seed (two's complement for a negative seed)
 *   8       int32       left: draws until the next twist, plus one (1 = twist before the next draw)
 *   12      int32       seeded (always 1)
 *   16      uint64      next: index of the next state word to temper
 *   24      uint64[624] mt19937 state words (each < 2^32)
 *   5016    float64     normal_x (unused, 0)
 *   5024    float64     normal_y: the cached second Box-Muller value (standard normal)
 *   5032    float64     normal_rho (unused, 0)
 *   5040    int32       normal_is_valid (0 or 1), then 4 bytes of padding
 *   5048    float32     cached float normal sample (unused by the CPU kernels, 0)
 *   5052    uint8       its valid flag (0), then 3 bytes of padding
 *
 * `torch.set_rng_state` also takes the 5048-byte legacy form (without the last 8 bytes); so does this.
 */

export const MT_STATE_WORDS = 624;
/** Size of a snapshot from `getState()` / `torch.get_rng_state()`. */
export const RNG_STATE_BYTES = 5056;
const LEGACY_RNG_STATE_BYTES = 5048;

const SEED_OFFSET = 0;
const LEFT_OFFSET = 8;
const SEEDED_OFFSET = 12;
const NEXT_OFFSET = 16;
const WORDS_OFFSET = 24;
const NORMAL_Y_OFFSET = 5024;
const NORMAL_VALID_OFFSET = 5040;
const FLOAT_NORMAL_VALID_OFFSET = 5052;

/** The engine position and caches of a `Generator`, independent of the byte layout. */
export interface EngineState {
  /** the seed `seed()` reports */
  seed: number;
  /** the raw (untempered) mt19937 state words */
  words: Int32Array;
  /** index of the next state word to temper; MT_STATE_WORDS means a twist comes before the next draw */
  position: number;
  /** true while `words` is the freshly seeded state, before its first twist (PyTorch stores next = 0) */
  freshlySeeded: boolean;
  /** the cached second standard-normal value of a scalar Box-Muller pair */
  cachedNormal: number | null;
}

export function encodeRngState(engine: EngineState): Uint8Array {
  const bytes = new Uint8Array(RNG_STATE_BYTES);
  const view = new DataView(bytes.buffer);
  const exhausted = engine.position >= MT_STATE_WORDS;
  view.setBigUint64(SEED_OFFSET, BigInt.asUintN(64, BigInt(engine.seed)), true);
  view.setInt32(LEFT_OFFSET, exhausted ? 1 : MT_STATE_WORDS + 1 - engine.position, true);
  view.setInt32(SEEDED_OFFSET, 1, true);
  view.setBigUint64(NEXT_OFFSET, BigInt(exhausted && engine.freshlySeeded ? 0 : engine.position), true);
  for (let i = 0; i < MT_STATE_WORDS; i++) view.setUint32(WORDS_OFFSET + 8 * i, engine.words[i], true);
  if (engine.cachedNormal !== null) {
    view.setFloat64(NORMAL_Y_OFFSET, engine.cachedNormal, true);
    view.setInt32(NORMAL_VALID_OFFSET, 1, true);
  }
  return bytes;
}

/** Parses and validates a snapshot; `op` names the caller in error messages. */
export function decodeRngState(state: unknown, op: string): EngineState {
  if (!(state instanceof Uint8Array)) {
    throw new Error(
      `${op}: expected a Uint8Array of ${RNG_STATE_BYTES} bytes (from getState() or torch.get_rng_state()), ` +
        `got ${describe(state)}; wrap a plain array of bytes with new Uint8Array(array)`,
    );
  }
  if (state.length !== RNG_STATE_BYTES && state.length !== LEGACY_RNG_STATE_BYTES) {
    throw new Error(
      `${op}: expected a state of ${RNG_STATE_BYTES} bytes (or the ${LEGACY_RNG_STATE_BYTES}-byte legacy form), ` +
        `got ${state.length} bytes`,
    );
  }
  const view = new DataView(state.buffer, state.byteOffset, state.byteLength);
  const seeded = view.getInt32(SEEDED_OFFSET, true);
  if (seeded !== 1) throw new Error(`${op}: invalid state: the seeded flag must be 1, got ${seeded}`);

  const left = view.getInt32(LEFT_OFFSET, true);
  const next = view.getBigUint64(NEXT_OFFSET, true);
  const consistent =
    left === 1
      ? next === 0n || next === BigInt(MT_STATE_WORDS)
      : left > 1 && left <= MT_STATE_WORDS && next === BigInt(MT_STATE_WORDS + 1 - left);
  if (!consistent) {
    throw new Error(
      `${op}: invalid mt19937 position: left=${left}, next=${next}; expected 1 <= left <= ${MT_STATE_WORDS} ` +
        `and next = ${MT_STATE_WORDS + 1} - left (or next 0 or ${MT_STATE_WORDS} when left is 1)`,
    );
  }

  const words = new Int32Array(MT_STATE_WORDS);
  for (let i = 0; i < MT_STATE_WORDS; i++) {
    const offset = WORDS_OFFSET + 8 * i;
    if (view.getUint32(offset + 4, true) !== 0) {
      throw new Error(`${op}: invalid state: mt19937 word ${i} does not fit 32 bits`);
    }
    words[i] = view.getInt32(offset, true);
  }
  if (words.every((w) => w === 0)) throw new Error(`${op}: invalid state: every mt19937 word is zero`);

  const normalValid = view.getInt32(NORMAL_VALID_OFFSET, true);
  if (normalValid !== 0 && normalValid !== 1) {
    throw new Error(`${op}: invalid state: the cached-normal flag must be 0 or 1, got ${normalValid}`);
  }
  const cachedNormal = normalValid === 1 ? view.getFloat64(NORMAL_Y_OFFSET, true) : null;
  if (cachedNormal !== null && !Number.isFinite(cachedNormal)) {
    throw new Error(`${op}: invalid state: the cached normal value must be finite, got ${cachedNormal}`);
  }
  if (state.length === RNG_STATE_BYTES && state[FLOAT_NORMAL_VALID_OFFSET] !== 0) {
    throw new Error(`${op}: the state holds a cached float32 normal sample, which PyTorch's CPU samplers never set and this generator does not use`);
  }

  return {
    seed: seedFromBits(view.getBigUint64(SEED_OFFSET, true)),
    words,
    position: left === 1 ? MT_STATE_WORDS : Number(next),
    freshlySeeded: left === 1 && next === 0n,
    cachedNormal,
  };
}

/** A negative seed comes back as itself; a 64-bit seed beyond 2^53 (from `torch.seed()`) comes back rounded. */
function seedFromBits(bits: bigint): number {
  const signed = Number(BigInt.asIntN(64, bits));
  return Number.isSafeInteger(signed) ? signed : Number(bits);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of ${value.byteLength} bytes`;
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  return typeof value;
}
