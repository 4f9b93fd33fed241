/**
 * The script a kernel worker runs (src/backend/wasm/threads.ts starts it from this string, so that no bundler
 * or server has to know about a second file). It runs in a Node worker thread (CommonJS `require`) or a browser
 * Worker alike.
 *
 * Protocol, over one Int32Array control block per worker in a SharedArrayBuffer (field offsets are
 * the constants at the top of threads.ts, repeated here because this text cannot import them):
 *   - the first message carries { module, memory, control, offset, spinMs }: the compiled '-threads' build,
 *     the shared memory, the control buffer and this worker's block offset in it (bytes); the worker
 *     instantiates the module over that memory and sets STATE to 1 (ready) or 2 (failed);
 *   - the host writes OP, SYNC and ARGS, then bumps SEQ; the worker runs the job, writes ERROR (0 or 1) and
 *     stores SEQ's value into DONE. A job that fails with SYNC set (the barrier words of a recurrent call,
 *     assembly/sync.ts) first marks that call abandoned, so that its partners stop waiting for this thread.
 * Workers live as long as the page or process (they never keep a Node process alive).
 * After a job the worker spins on SEQ for spinMs (jobs come in bursts: the parts of one training step), then
 * sleeps in Atomics.wait, waking every second to look again.
 */
export const KERNEL_WORKER_SOURCE = `'use strict';
const SEQ = 0, DONE = 1, STATE = 2, ERROR = 3, OP = 4, SYNC = 5, ARGS = 8, FIELDS = 32;
const OP_GEMM = 1, OP_RNN_FORWARD = 2, OP_RNN_BACKWARD = 3;
const port = typeof require === 'function' ? require('worker_threads').parentPort : null;

function start({ module, memory, control, offset, spinMs }) {
  const ctrl = new Int32Array(control, offset, FIELDS);
  let k;
  try {
    k = new WebAssembly.Instance(module, { env: { memory } }).exports;
  } catch (err) {
    Atomics.store(ctrl, STATE, 2);
    Atomics.notify(ctrl, STATE);
    return;
  }
  Atomics.store(ctrl, STATE, 1);
  Atomics.notify(ctrl, STATE);
  const a = (i) => ctrl[ARGS + i];
  let seen = Atomics.load(ctrl, SEQ);
  for (;;) {
    let seq = Atomics.load(ctrl, SEQ);
    if (seq === seen) {
      const until = performance.now() + spinMs;
      while ((seq = Atomics.load(ctrl, SEQ)) === seen && performance.now() < until);
      while ((seq = Atomics.load(ctrl, SEQ)) === seen) Atomics.wait(ctrl, SEQ, seen, 1000);
    }
    seen = seq;
    const op = ctrl[OP];
    let failed = 0;
    try {
      if (op === OP_GEMM) {
        k.gemm(a(0), a(1), a(2), a(3), a(4), a(5), a(6), a(7), a(8), a(9), a(10), a(11), a(12), a(13), a(14), a(15), a(16));
      } else if (op === OP_RNN_FORWARD) {
        k.rnnForward(a(0), a(1), a(2), a(3), a(4), a(5), a(6), a(7), a(8), a(9), a(10), a(11), a(12), a(13), a(14),
          a(15), a(16), a(17), a(18), a(19), a(20), a(21));
      } else if (op === OP_RNN_BACKWARD) {
        k.rnnBackward(a(0), a(1), a(2), a(3), a(4), a(5), a(6), a(7), a(8), a(9), a(10), a(11), a(12), a(13), a(14),
          a(15), a(16), a(17), a(18), a(19), a(20), a(21), a(22), a(23));
      } else {
        failed = 1;
      }
    } catch (err) {
      failed = 1;
    }
    if (failed && ctrl[SYNC] !== 0) {
      const words = new Int32Array(memory.buffer, ctrl[SYNC], 4);
      Atomics.store(words, 3, 1);
      Atomics.notify(words, 1);
    }
    ctrl[ERROR] = failed;
    Atomics.store(ctrl, DONE, seen);
    Atomics.notify(ctrl, DONE);
  }
}

if (port) port.once('message', start);
else self.onmessage = (event) => start(event.data);
`;
