// A barrier for the threads that run one kernel call together (the '-threads' builds; see rnn.ts).
//
// `sync` points at three i32 words: the number of threads arrived (zero on entry to the call), a generation
// number, and whether thread 0 (the caller) may block (a browser's main thread may not). The last thread to
// arrive resets the count, bumps the generation and wakes sleepers; the others spin on the generation for a
// while — the threads' parts are equal, so on a quiet machine the wait is short — and then sleep in
// atomic.wait, which frees the core: when another process holds one of the cores, the thread being waited for
// gets it sooner than if every waiter kept spinning.

/** Spins (atomic loads) before a waiter sleeps: a few tens of microseconds. */
const SPINS = 20000;
/** A sleeper looks again at least this often (ns), whatever wakes it. */
const WAIT_NS: i64 = 1000000;

// @ts-ignore: decorator
@inline export function barrier(sync: usize, threads: i32, thread: i32): void {
  if (ASC_FEATURE_THREADS) {
    if (threads <= 1) return;
    const generation = atomic.load<i32>(sync, 4);
    if (atomic.add<i32>(sync, 1) == threads - 1) {
      atomic.store<i32>(sync, 0);
      atomic.store<i32>(sync, generation + 1, 4);
      atomic.notify(sync + 4, threads - 1);
    } else {
      let spins = 0;
      const mayBlock = thread != 0 || atomic.load<i32>(sync, 8) != 0;
      while (atomic.load<i32>(sync, 4) == generation) {
        if (mayBlock && ++spins > SPINS) atomic.wait<i32>(sync + 4, generation, WAIT_NS);
      }
    }
  }
}
