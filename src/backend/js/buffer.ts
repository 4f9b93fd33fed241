import type { Buf, DType, MemoryStats } from '../types.js';

/** The typed array behind a buffer: float32 data, or int64 values held as int32. */
export type Elements = Float32Array | Int32Array;

/** A js-backend buffer: a plain typed array of exactly `length` elements. */
export class JsBuf implements Buf {
  live = true;
  constructor(
    readonly data: Elements,
    readonly dtype: DType,
  ) {}

  get length(): number {
    return this.data.length;
  }
}

/** Bytes per element for every dtype (int64 is stored as int32). */
const ELEMENT_BYTES = 4;

/** The typed array of a float32 buffer. */
export function f32(buf: Buf): Float32Array {
  return (buf as JsBuf).data as Float32Array;
}

/** The typed array of an int64 buffer (int32 values). */
export function i32(buf: Buf): Int32Array {
  return (buf as JsBuf).data as Int32Array;
}

/** The typed array of a buffer of either dtype. */
export function elements(buf: Buf): Elements {
  return (buf as JsBuf).data;
}

/** Hands out typed-array buffers and counts the bytes of the live ones. */
export class JsAllocator {
  private bytes = 0;
  private peakBytes = 0;

  alloc(length: number, dtype: DType): Buf {
    const bytes = length * ELEMENT_BYTES;
    if (!Number.isInteger(length) || length < 0) {
      throw new Error(`alloc: length must be a non-negative integer, got ${length} (${dtype})`);
    }
    let data: Elements;
    try {
      data = dtype === 'float32' ? new Float32Array(length) : new Int32Array(length);
    } catch (cause) {
      throw new Error(`alloc: cannot allocate ${bytes} bytes (${length} elements of ${dtype})`, { cause });
    }
    this.bytes += bytes;
    if (this.bytes > this.peakBytes) this.peakBytes = this.bytes;
    return new JsBuf(data, dtype);
  }

  free(buf: Buf): void {
    const jsBuf = buf as JsBuf;
    if (!jsBuf.live) {
      throw new Error(`free: buffer of ${jsBuf.length} ${jsBuf.dtype} elements was already freed`);
    }
    jsBuf.live = false;
    this.bytes -= jsBuf.length * ELEMENT_BYTES;
  }

  stats(): MemoryStats {
    return { bytes: this.bytes, peakBytes: this.peakBytes, reservedBytes: this.bytes };
  }
}
