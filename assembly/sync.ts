// A barrier for the threads that run one kernel call together (the '-threads' builds; see rnn.ts).
//
// `sync` points at two i32 words: the number of threads arrived, zero on entry to the call, and a generation
// number. The last thread to arrive resets the count and bumps the generation; the others spin until it
// changes. Spinning, not atomic.wait: the threads' parts are equal, so waits are short, and a browser's main
// thread may not block.

// @ts-ignore: decorator
@inline export function barrier(sync: usize, threads: i32): void {
  if (ASC_FEATURE_THREADS) {
    if (threads <= 1) return;
    const generation = atomic.load<i32>(sync, 4);
    if (atomic.add<i32>(sync, 1) == threads - 1) {
      atomic.store<i32>(sync, 0);
      atomic.store<i32>(sync, generation + 1, 4);
    } else {
      while (atomic.load<i32>(sync, 4) == generation) {}
    }
  }
}
