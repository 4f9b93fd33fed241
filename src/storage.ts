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
 * 3. FinalizationRegistry as the backstop for unmanaged storages whose tensors the program dropped. A program
 *    that stops calling backward (evaluation after training) would leave managed storages waiting for a step
 *    that never comes, so when far more storages than a step's worth pile up without one, they are handed
 *    over to the backstop (see DEMOTE_AFTER).
 *    Registration is deferred and batched (see `unregistered`): most short-lived storages are disposed or
 *    freed by the engine before their batch is registered, and skipping them saves a registration each,
 *    otherwise the larger part of a small op's cost. Registrations carry no unregister token (a storage freed
 *    explicitly voids its `Reclaim` instead), which halves the cost of those that remain.
 */
import type { Backend, Buf, DType } from './backend/types.js';

export class Storage {
  buf: Buf | null;
  /** step at which this storage was last used; managed storages unused for two steps are freed */
  lastUse = 0;
  persistent = false;
  /** why the buffer is gone, for the error message of a later use */
  freedBy: 'dispose' | 'step' | null = null;
  /** what the FinalizationRegistry backstop frees, once this storage is registered with it (null before) */
  reclaim: Reclaim | null = null;

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
    // voids the registration instead of unregistering: registering without an unregister token costs half
    if (this.reclaim !== null) this.reclaim.buf = null;
  }
}

/** A registration with the backstop: the buffer to free, or null once the storage was freed explicitly. */
interface Reclaim {
  readonly backend: Backend;
  buf: Buf | null;
}

const live = { count: 0 };
/** the step clock; `clock.step` is read on every tensor use, so it is a plain field */
export const clock = { step: 0 };
/**
 * Storages subject to the step clock, in allocation order. Freed and persistent ones are dropped lazily at
 * the next sweep, which keeps allocation and freeing O(1).
 */
const managed: Storage[] = [];

const finalizer = new FinalizationRegistry<Reclaim>((reclaim) => {
  const buf = reclaim.buf;
  if (buf === null) return;
  reclaim.buf = null;
  reclaim.backend.free(buf);
  live.count--;
});

/**
 * Unmanaged storages not yet registered with the backstop, in allocation order. This list holds them strongly,
 * so nothing in it can be finalized early; it is drained (live ones registered, freed ones dropped) every
 * REGISTER_BATCH allocations and at the end of the current job (a microtask). A finalizer callback can only
 * run after the job that allocated has ended, so the deferral never delays reclamation: by then every
 * storage of the job has been registered.
 */
let unregistered: Storage[] = [];
const scheduleMicrotask: (fn: () => void) => void =
  typeof queueMicrotask === 'function' ? queueMicrotask : (fn) => void Promise.resolve().then(fn);
let drainQueued = false;
const REGISTER_BATCH = 256;

/** The end-of-job drain (one queued at a time, however many batches fill before it runs). */
function drainAtEndOfJob(): void {
  drainQueued = false;
  registerUnregistered();
}

function registerUnregistered(): void {
  const batch = unregistered;
  unregistered = [];
  for (let i = 0; i < batch.length; i++) {
    const storage = batch[i];
    const buf = storage.buf;
    if (buf === null) continue;
    const reclaim: Reclaim = { backend: storage.backend, buf };
    storage.reclaim = reclaim;
    finalizer.register(storage, reclaim);
  }
}

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

/**
 * Managed storages allocated without a step in between before they are handed to the backstop: at least this
 * many, and at least four times as many as the last whole step allocated, so a training loop (a backward every
 * step) never gets there. Nothing is handed over before one whole step has been counted (clock.step >= 2).
 */
const DEMOTE_AFTER = 65536;
/** managed allocations since the last step, in all / since the last hand-over; the last whole step's count */
let allocatedThisStep = 0;
let sinceDemotion = 0;
let allocatedLastStep = 0;

/**
 * Hands every managed storage to the backstop (no backward has come for a long while): they are no longer
 * step-managed, and the FinalizationRegistry frees those the program dropped once the event loop runs.
 */
function demoteManaged(): void {
  for (let i = 0; i < managed.length; i++) {
    const storage = managed[i];
    if (storage.buf !== null && !storage.persistent) unregistered.push(storage);
  }
  managed.length = 0;
  sinceDemotion = 0;
  registerUnregistered();
}

/** Allocates through `backend`, registering the storage with the lifetime rules above. */
export function allocStorage(backend: Backend, length: number, dtype: DType): Storage {
  const storage = new Storage(backend, backend.alloc(length, dtype));
  live.count++;
  if (capture !== null) capture.push(storage);
  const step = clock.step;
  storage.lastUse = step;
  if (step > 0) {
    managed.push(storage);
    allocatedThisStep++;
    if (++sinceDemotion >= DEMOTE_AFTER && allocatedThisStep >= 4 * allocatedLastStep && step >= 2) demoteManaged();
  } else {
    unregistered.push(storage);
    if (unregistered.length >= REGISTER_BATCH) registerUnregistered();
    else if (!drainQueued) {
      drainQueued = true;
      scheduleMicrotask(drainAtEndOfJob);
    }
  }
  return storage;
}

export function markPersistent(storage: Storage): void {
  storage.persistent = true;
}

/** Called when a backward pass has consumed its graph: advance the clock and reclaim what went unused. */
export function endStep(): void {
  clock.step++;
  allocatedLastStep = allocatedThisStep;
  allocatedThisStep = 0;
  sinceDemotion = 0;
  const cutoff = clock.step - 3;
  // compacts the survivors to the front in place (order kept)
  let kept = 0;
  for (let i = 0; i < managed.length; i++) {
    const storage = managed[i];
    if (storage.buf === null || storage.persistent) continue;
    if (storage.lastUse <= cutoff) storage.free('step');
    else managed[kept++] = storage;
  }
  managed.length = kept;
}

export function liveStorages(): number {
  return live.count;
}
