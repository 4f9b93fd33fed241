/**
 * Kernel threads: workers that run parts of a kernel call on the same shared WebAssembly memory.
 *
 * The calling thread is thread 0 and always runs a part itself; workers 1 … n−1 each run one more. A job is
 * posted by writing its operands into the worker's control block and bumping a sequence number
 * (Atomics.notify wakes a sleeping worker); completion is the worker storing that number back. Workers are
 * started on first use and become usable once they have instantiated the module, asynchronously: until then
 * every call simply runs on one thread, so nothing ever waits for a worker to start.
 *
 * Waiting for a part: Atomics.wait where this thread may block (Node, workers), otherwise (a browser's main
 * thread) a spin on Atomics.load — the worker's part is about as long as the caller's own, so that spin is short.
 */
import { platform, type KernelWorker } from '../../platform.js';
import { KERNEL_WORKER_SOURCE } from './worker-source.js';

/** Int32 fields of a control block (mirrored in worker-source.ts). */
const SEQ = 0;
const DONE = 1;
const STATE = 2;
const ERROR = 3;
const OP = 4;
/** byte address of a recurrent call's barrier words (assembly/sync.ts), 0 for a job without one */
const SYNC = 5;
const ARGS = 8;
const FIELDS = 32;

export const Job = { gemm: 1, rnnForward: 2, rnnBackward: 3 } as const;
export type JobOp = (typeof Job)[keyof typeof Job];

/** The most threads a pool runs (the caller included). */
export const MAX_THREADS = 16;
/** How long a worker spins for the next job before it sleeps (ms): jobs come in bursts (one training step). */
const WORKER_SPIN_MS = 1;

const WorkerState = { starting: 0, ready: 1, failed: 2 } as const;

/** Whether this thread may block in Atomics.wait (a browser's main thread may not). */
export const callerCanBlock: boolean = (() => {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0); // 'not-equal' at once where allowed
    return true;
  } catch {
    return false;
  }
})();

let requestedThreads = 0; // 0: not set, the default applies
let defaultCount = 0; // found once: asking the host for its CPUs costs more than a small kernel call

/** Threads used when setNumThreads was never called: two where the host has two CPUs and shared memory. */
function defaultThreads(): number {
  defaultCount ||= platform.sharedMemory() && platform.cpuCount() >= 2 ? 2 : 1;
  return defaultCount;
}

/** The number of threads kernels may use (torch.getNumThreads). */
export function numThreads(): number {
  return requestedThreads || defaultThreads();
}

/** Sets the number of threads kernels may use, 1 … 16 (torch.setNumThreads). */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS) {
    throw new Error(`setNumThreads: expected an integer from 1 to ${MAX_THREADS}, got ${String(n)}`);
  }
  requestedThreads = n;
}

export class KernelThreads {
  private readonly control = new Int32Array(new SharedArrayBuffer(MAX_THREADS * FIELDS * 4));
  private readonly workers: KernelWorker[] = [];
  private readonly seq: number[] = [];
  /** set once a worker could not be started here: stay on one thread from then on */
  private unavailable = false;

  constructor(private readonly module: WebAssembly.Module, private readonly memory: WebAssembly.Memory) {}

  /**
   * How many threads (the caller included) can run parts now, at most `wanted`: workers not yet started are
   * started here, and count once they are ready.
   */
  usable(wanted: number): number {
    if (wanted <= 1 || this.unavailable) return 1;
    let n = 1;
    for (let w = 1; w < wanted; w++) {
      if (this.workers[w] === undefined) this.start(w);
      if (this.unavailable) return 1;
      if (Atomics.load(this.control, w * FIELDS + STATE) !== WorkerState.ready) break;
      n++;
    }
    return n;
  }

  /** Threads ready now (the caller included), without starting any. */
  ready(): number {
    let n = 1;
    while (n < this.workers.length && Atomics.load(this.control, n * FIELDS + STATE) === WorkerState.ready) n++;
    return n;
  }

  /**
   * Posts a job to worker `w` (1-based, ready); at most FIELDS − ARGS operands. `sync`: the barrier words of a
   * job that meets other threads there, which the worker marks abandoned if its part fails.
   */
  post(w: number, op: JobOp, args: ArrayLike<number>, sync = 0): void {
    const base = w * FIELDS;
    this.control[base + OP] = op;
    this.control[base + SYNC] = sync;
    for (let i = 0; i < args.length; i++) this.control[base + ARGS + i] = args[i]!;
    const seq = (this.seq[w]! + 1) | 0;
    this.seq[w] = seq;
    Atomics.store(this.control, base + SEQ, seq);
    Atomics.notify(this.control, base + SEQ);
  }

  /** Returns once worker `w` has finished its last job; throws if the job failed. */
  join(w: number, what: string): void {
    const base = w * FIELDS;
    const seq = this.seq[w]!;
    let done: number;
    let spins = 0;
    while ((done = Atomics.load(this.control, base + DONE)) !== seq) {
      if (callerCanBlock && ++spins > 2000) Atomics.wait(this.control, base + DONE, done, 1000);
    }
    if (this.control[base + ERROR] !== 0) {
      throw new Error(`${what}: kernel thread ${w} failed (a WebAssembly trap in a worker)`);
    }
  }

  private start(w: number): void {
    let worker: KernelWorker | null = null;
    try {
      worker = platform.startWorker(KERNEL_WORKER_SOURCE);
    } catch {
      worker = null;
    }
    if (worker === null) {
      this.unavailable = true;
      return;
    }
    this.workers[w] = worker;
    this.seq[w] = 0;
    worker.postMessage({
      module: this.module, memory: this.memory, control: this.control.buffer,
      offset: w * FIELDS * 4, spinMs: WORKER_SPIN_MS,
    });
  }
}
