/**
 * Which kernel set runs the ops. The WebAssembly backends are instantiated synchronously on first use from
 * bytes embedded in the bundle, so importing the library is enough; `ready()` exists for symmetry with
 * asynchronous loaders and resolves at once.
 */
import type { Backend, BackendName } from './backend/types.js';
import { createJsBackend } from './backend/js/index.js';
import { createWasmBackend, wasmBytes } from './backend/wasm/index.js';

export type BackendChoice = BackendName | 'wasm';

const instances = new Map<BackendName, Backend>();
let active: Backend | null = null;

function simdSupported(): boolean {
  return typeof WebAssembly === 'object' && WebAssembly.validate(wasmBytes('simd'));
}

function relaxedSupported(): boolean {
  return typeof WebAssembly === 'object' && WebAssembly.validate(wasmBytes('relaxed'));
}

function bestWasm(): BackendName {
  if (relaxedSupported()) return 'wasm-relaxed-simd';
  return 'wasm-simd';
}

function instantiate(name: BackendName): Backend {
  const existing = instances.get(name);
  if (existing) return existing;
  let backend: Backend;
  if (name === 'js') backend = createJsBackend();
  else if (name === 'wasm-relaxed-simd') {
    if (!relaxedSupported()) throw new Error('setBackend: this engine does not support WebAssembly relaxed SIMD');
    backend = createWasmBackend('relaxed');
  } else {
    if (!simdSupported()) throw new Error('setBackend: this engine does not support WebAssembly SIMD');
    backend = createWasmBackend('simd');
  }
  instances.set(name, backend);
  return backend;
}

/** The active backend, chosen on first use: the best WebAssembly build the engine validates, else pure JS. */
export function currentBackend(): Backend {
  if (active) return active;
  active = instantiate(simdSupported() ? bestWasm() : 'js');
  return active;
}

/** Switch kernel sets; tensors keep the backend they were created on and cannot be mixed in one op. */
export function setBackend(name: BackendChoice): void {
  const valid = ['wasm', 'wasm-simd', 'wasm-relaxed-simd', 'js'];
  if (!valid.includes(name)) {
    throw new Error(`setBackend: unknown backend ${JSON.stringify(name)}; expected one of ${valid.join(', ')}`);
  }
  active = instantiate(name === 'wasm' ? bestWasm() : name);
}

export function backend(): BackendName {
  return currentBackend().name;
}

export function ready(): Promise<void> {
  currentBackend();
  return Promise.resolve();
}
