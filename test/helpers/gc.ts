/**
 * Garbage collection on demand for the tests of the FinalizationRegistry backstop: exposes V8's gc() (the flag
 * is read when gc is first looked up in a new context) and waits for finalizer callbacks, which run only from the
 * event loop.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

export const tick = (): Promise<unknown> => new Promise((resolve) => setTimeout(resolve, 5));

/** Collects garbage and lets finalizer callbacks run until `done()` or about a second has passed. */
export async function collectUntil(done: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !done(); i++) {
    gc();
    await tick();
  }
}
