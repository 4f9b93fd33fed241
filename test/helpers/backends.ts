/**
 * Running one test body under every kernel set: each WebAssembly build this engine accepts, then 'js'.
 * Tensors belong to the backend they were created on, so the body must create its tensors inside its
 * tests (the backend is switched in beforeEach, not at collection time).
 *
 * WASMTORCH_TEST_BACKENDS=js (comma-separated) narrows the set, e.g. while debugging one backend.
 */
import { afterAll, beforeEach, describe } from 'vitest';
import * as torch from '../../src/index';

export type BackendName = ReturnType<typeof torch.backend>;

const CANDIDATES: BackendName[] = ['wasm-simd', 'wasm-relaxed-simd', 'js'];

await torch.ready();
const initialBackend: BackendName = torch.backend();

/** Backends that setBackend accepts here; a wasm build the engine rejects is left out. */
function probeBackends(): BackendName[] {
  const wanted = process.env.WASMTORCH_TEST_BACKENDS?.split(',').map((s) => s.trim()) ?? CANDIDATES;
  const found: BackendName[] = [];
  for (const name of CANDIDATES) {
    if (!wanted.includes(name)) continue;
    try {
      torch.setBackend(name);
      if (torch.backend() === name) found.push(name);
    } catch {
      // not supported by this engine (relaxed SIMD needs a V8 flag on Node 20)
    }
  }
  torch.setBackend(initialBackend);
  return found;
}

export const BACKENDS: readonly BackendName[] = probeBackends();
export const DEFAULT_BACKEND: BackendName = initialBackend;

/** Registers `body` once per backend, inside `describe('[name]')`, with that backend active in every test. */
export function forEachBackend(body: (backend: BackendName) => void): void {
  for (const name of BACKENDS) {
    describe(`[${name}]`, () => {
      beforeEach(() => {
        torch.setBackend(name);
      });
      afterAll(() => {
        torch.setBackend(initialBackend);
      });
      body(name);
    });
  }
}
