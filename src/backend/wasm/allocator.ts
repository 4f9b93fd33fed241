/**
 * A size-class allocator over a WebAssembly linear memory.
 *
 * Blocks are 16-byte aligned and sized by class: multiples of 16 up to 256 bytes, then 8 classes per power of
 * two (at most 12.5% rounding). Freed blocks go to their class's free list and are handed out again for the
 * same class; fresh blocks come from a bump pointer that grows the memory when it reaches the end. Blocks are
 * never split or merged, so a steady workload (a training loop) reaches a fixed footprint and stays there.
 */

const ALIGN = 16;
const ALIGN_SHIFT = 4; // log2(ALIGN)
const PAGE = 65536;
/** wasm32 addresses stop at 4 GiB */
const ADDRESS_LIMIT = 2 ** 32;
const SMALL_LIMIT = 256;
const SMALL_CLASSES = SMALL_LIMIT / ALIGN;

/** The class index of a request of `bytes` (> 0, < 4 GiB) bytes. */
export function sizeClassOf(bytes: number): number {
  // integer shifts, not Math.ceil of a quotient by 2 ** k: this runs on every allocation (25× faster measured)
  if (bytes <= SMALL_LIMIT) return bytes <= ALIGN ? 0 : (bytes - 1) >>> ALIGN_SHIFT; // ceil(bytes / ALIGN) - 1
  const e = 31 - Math.clz32(bytes - 1); // 2^e < bytes <= 2^(e+1), e >= 8
  const m = ((bytes - 1) >>> (e - 3)) + 1; // ceil(bytes / 2^(e-3)): 9..16
  return SMALL_CLASSES + (e - 8) * 8 + (m - 9);
}

/** Block sizes by class, computed once (the allocator asks on every alloc and free). */
const CLASS_SIZES: number[] = (() => {
  const sizes: number[] = [];
  for (let index = 0; index <= sizeClassOf(ADDRESS_LIMIT - 1); index++) {
    if (index < SMALL_CLASSES) sizes.push((index + 1) * ALIGN);
    else {
      const rel = index - SMALL_CLASSES;
      sizes.push(((rel % 8) + 9) * 2 ** (8 + Math.floor(rel / 8) - 3));
    }
  }
  return sizes;
})();

/** The block size in bytes of class `index`. */
export function sizeOfClass(index: number): number {
  return CLASS_SIZES[index]!;
}

function describe(what: string | (() => string)): string {
  return typeof what === 'function' ? what() : what;
}

export class SizeClassAllocator {
  private top: number;
  private readonly freeLists: number[][] = [];
  private live = 0;
  private peak = 0;

  /**
   * @param memory the memory to carve; bytes below `base` belong to someone else (the module's static data).
   * @param onGrow called after every successful `memory.grow` (existing typed-array views are now detached).
   */
  constructor(private readonly memory: WebAssembly.Memory, base: number, private readonly onGrow: () => void) {
    this.top = Math.ceil(base / ALIGN) * ALIGN;
  }

  /**
   * A 16-byte-aligned block of at least `bytes` (> 0) bytes; returns its address and class. `what` names the
   * request in errors (a function is called only then: formatting a message on every call would cost more
   * than the allocation). Untracked blocks (the backend's own scratch) are left out of `bytes` and `peakBytes`.
   */
  alloc(bytes: number, what: string | (() => string), tracked = true): { ptr: number; sizeClass: number } {
    if (!(bytes > 0) || bytes >= ADDRESS_LIMIT) {
      throw new Error(`wasm alloc: cannot allocate ${bytes} bytes for ${describe(what)}: beyond the 4 GiB wasm32 address space`);
    }
    const sizeClass = sizeClassOf(bytes);
    const size = sizeOfClass(sizeClass);
    const list = this.freeLists[sizeClass];
    let ptr: number;
    if (list !== undefined && list.length > 0) {
      ptr = list.pop()!;
    } else {
      const end = this.top + size;
      if (end > this.memory.buffer.byteLength) this.growTo(end, bytes, what);
      ptr = this.top;
      this.top = end;
    }
    if (tracked) {
      this.live += size;
      if (this.live > this.peak) this.peak = this.live;
    }
    return { ptr, sizeClass };
  }

  /** Returns a block obtained from alloc() (with the same `tracked`). */
  free(ptr: number, sizeClass: number, tracked = true): void {
    (this.freeLists[sizeClass] ??= []).push(ptr);
    if (tracked) this.live -= sizeOfClass(sizeClass);
  }

  get bytes(): number {
    return this.live;
  }

  get peakBytes(): number {
    return this.peak;
  }

  get reservedBytes(): number {
    return this.memory.buffer.byteLength;
  }

  /** Grows the memory to hold `end` bytes: by a quarter more than needed where possible, else exactly. */
  private growTo(end: number, bytes: number, what: string | (() => string)): void {
    const fail = (reason: string): never => {
      throw new Error(`wasm alloc: cannot allocate ${bytes} bytes for ${describe(what)}: ${reason} ` +
        `(live ${this.live} bytes, reserved ${this.reservedBytes} bytes)`);
    };
    if (end > ADDRESS_LIMIT) fail('beyond the 4 GiB wasm32 address space');
    const current = this.memory.buffer.byteLength / PAGE;
    const needed = Math.ceil(end / PAGE) - current;
    const generous = Math.min(Math.max(needed, Math.ceil(current / 4)), ADDRESS_LIMIT / PAGE - current);
    try {
      this.memory.grow(generous);
    } catch {
      try {
        this.memory.grow(needed);
      } catch (err) {
        fail(`the host refused to grow memory by ${needed} pages (${err instanceof Error ? err.message : err})`);
      }
    }
    this.onGrow();
  }
}
