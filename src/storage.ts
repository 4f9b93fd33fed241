/**
 * Storage: one backend buffer shared by every tensor viewing it, and the rules that free it.
 *
 * JavaScript cannot observe when a tensor becomes unreachable inside one synchronous job (FinalizationRegistry
 * callbacks and WeakRef clearing wait for the event loop), and PyTorch-style training loops are synchronous.
 * So memory is reclaimed by three mechanisms, in order of precedence:
 *
 * 1. Explicit: `dispose()` / `using`, and the autograd engine freeing the gradient temporaries of a backward pass.
 * 2. The step clock: every `backward()` that consumes a graph ends a *step*. A storage allocated after the first
 *    step is *managed*: each use stamps it with the current step, and once it has gone unused for two whole
 *    steps it is freed. Training loops touch what they keep (inputs reused each epoch, carried hidden states),
 *    so only garbage is reclaimed. Parameters, their gradients and optimizer state are persistent and never
 *    reclaimed this way; neither is anything created before the first backward (setup data).
 *    Reading a reclaimed tensor throws an Error saying so; `keep()` exempts a tensor.
 * 3. FinalizationRegistry as the backstop for unmanaged storages whose tensors the program dropped.
 */
import type { Backend, Buf, DType } from './backend/types.js';

export class Storage {
  buf: Buf | null;
  /** step at which this storage was last used; managed storages unused for two steps are freed */
  lastUse = 0;
  persistent = false;
  /** why the buffer is gone, for the error message of a later use */
  freedBy: 'dispose' | 'step' | null = null;
  /** registered with the FinalizationRegistry backstop */
  finalized = false;

  readonly dtype: DType;
  readonly length: number;

  constructor(readonly backend: Backend, buf: Buf) {
    this.buf = buf;
    this.dtype = buf.dtype;
    this.length = buf.length;
  }

  free(reason: 'dispose' | 'step'): void {
    if (this.buf === null) return;
    this.backend.free(this.buf);
    this.buf = null;
    this.freedBy = reason;
    live.count--;
    if (this.finalized) finalizer.unregister(this);
  }
}

const live = { count: 0 };
/** the step clock; `clock.step` is read on every tensor use, so it is a plain field */
export const clock = { step: 0 };
/**
 * Storages subject to the step clock, in allocation order. Freed and persistent ones are dropped lazily at
 * the next sweep, which keeps allocation and freeing O(1).
 */
let managed: Storage[] = [];

const finalizer = new FinalizationRegistry<{ backend: Backend; buf: Buf }>(({ backend, buf }) => {
  backend.free(buf);
  live.count--;
});

/** Storages allocated while a capture is open (the autograd engine frees a backward pass's temporaries). */
let capture: Storage[] | null = null;

export function captureAllocations<T>(fn: () => T): [T, Storage[]] {
  const outer = capture;
  const mine: Storage[] = [];
  capture = mine;
  try {
    return [fn(), mine];
  } finally {
    capture = outer;
    if (outer) for (const s of mine) outer.push(s);
  }
}

/** Allocates through `backend`, registering the storage with the lifetime rules above. */
export function allocStorage(backend: Backend, length: number, dtype: DType): Storage {
  const storage = new Storage(backend, backend.alloc(length, dtype));
  live.count++;
  if (capture !== null) capture.push(storage);
  storage.lastUse = clock.step;
  if (clock.step > 0) managed.push(storage);
  else {
    storage.finalized = true;
    finalizer.register(storage, { backend, buf: storage.buf! }, storage);
  }
  return storage;
}

export function markPersistent(storage: Storage): void {
  storage.persistent = true;
}

/** Called when a backward pass has consumed its graph: advance the clock and reclaim what went unused. */
export function endStep(): void {
  clock.step++;
  const cutoff = clock.step - 3;
  const survivors: Storage[] = [];
  for (const storage of managed) {
    if (storage.buf === null || storage.persistent) continue;
    if (storage.lastUse <= cutoff) storage.free('step');
    else survivors.push(storage);
  }
  managed = survivors;
}

export function liveStorages(): number {
  return live.count;
}
