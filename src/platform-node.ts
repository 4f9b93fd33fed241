/**
 * The Node implementation of platform.ts, bundled into dist/index.mjs and dist/index.cjs only (see platform.ts).
 *
 * Relaxed SIMD: Node 20's V8 (11.3) validates relaxed-SIMD opcodes only behind --experimental-wasm-relaxed-simd,
 * which Node rejects in NODE_OPTIONS. V8 reads wasm feature flags when it compiles a module, so setting the flag
 * at run time, before the first compile, is enough. It is set only when the relaxed build does not validate
 * already (Node >= 21 needs nothing), and never when WASMTORCH_NO_RELAXED_SIMD is set (to anything but '' or
 * '0'): then the flag is left alone and the plain SIMD build is the default. The flag is process-wide: other
 * WebAssembly in the same process may then use relaxed SIMD too.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import type { KernelWorker, Platform } from './platform.js';

function optedOut(): boolean {
  const value = process.env.WASMTORCH_NO_RELAXED_SIMD;
  return value !== undefined && value !== '' && value !== '0';
}

async function fetchBytes(url: string | URL): Promise<Uint8Array<ArrayBuffer>> {
  const text = String(url);
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]?.toLowerCase();
  const path = scheme === 'file' ? fileURLToPath(text) : scheme === undefined || /^[a-z]$/i.test(scheme) ? text : null;
  if (path === null) {
    const response = await fetch(text);
    if (!response.ok) throw new Error(`ready: fetching ${text} failed with HTTP ${response.status} ${response.statusText}`);
    return new Uint8Array(await response.arrayBuffer());
  }
  try {
    return new Uint8Array(await readFile(path));
  } catch (err) {
    throw new Error(`ready: cannot read ${path} (${err instanceof Error ? err.message : String(err)})`);
  }
}

function startWorker(source: string): KernelWorker | null {
  try {
    const worker = new Worker(source, { eval: true });
    worker.unref(); // an idle kernel worker must not keep the process alive
    return { postMessage: (message) => worker.postMessage(message) };
  } catch {
    return null;
  }
}

export const platform: Platform = {
  prepareWasm(relaxedValidates) {
    if (optedOut() || relaxedValidates()) return;
    try {
      setFlagsFromString('--experimental-wasm-relaxed-simd');
    } catch {
      // a Node-compatible runtime without V8 flags: stay on the plain SIMD build
    }
  },
  relaxedSimdByDefault: () => !optedOut(),
  fetchBytes,
  // a static import: works in the ESM bundle on every Node 20, where no synchronous runtime lookup exists
  fileAccess: () => ({ readFileSync, writeFileSync }),
  cpuCount: () => (typeof availableParallelism === 'function' ? availableParallelism() : cpus().length) || 1,
  sharedMemory: () => typeof SharedArrayBuffer === 'function',
  startWorker,
};
