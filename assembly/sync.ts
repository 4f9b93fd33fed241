// A barrier for the threads that run one kernel call together (the '-threads' builds; see rnn.ts).
//
// `sync` points at four i32 words: the number of threads arrived (zero on entry to the call), a generation
// number, whether thread 0 (the caller) may block (a browser's main thread may not), and whether the call is
// abandoned (zero on entry): a thread whose part failed (a trap) sets it, and from then on no thread waits at
// the barrier — the others run their parts to the end on whatever they read, and the host reports the
// failure instead of hanging on a partner that will never arrive. The last thread to
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
        if (atomic.load<i32>(sync, 12) != 0) return;
        if (mayBlock && ++spins > SPINS) atomic.wait<i32>(sync + 4, generation, WAIT_NS);
      }
    }
  }
}
