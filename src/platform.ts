/**
 * What differs between hosts, behind one small object. This file is the portable implementation, used by the
 * browser bundle (browsers, Web Workers, bundlers) and by the TypeScript sources run directly: it imports no
 * Node built-ins. The Node bundles replace it with platform-node.ts: scripts/build.mjs maps `./platform.js`
 * to that file when esbuild's platform is 'node', which is what the exports map's "node" condition serves.
 */
import { nodeFileAccess, type FileAccess } from './serialization/node-fs.js';

export interface Platform {
  /**
   * Called once, before the first WebAssembly feature check. May switch on an engine feature that this host
   * supports only behind a flag (Node 20: relaxed SIMD); `relaxedValidates` reports whether it is on now.
   */
  prepareWasm(relaxedValidates: () => boolean): void;
  /** False when the user asked for the plain SIMD build by default (Node: WASMTORCH_NO_RELAXED_SIMD=1). */
  relaxedSimdByDefault(): boolean;
  /** The bytes at a URL: fetch() here; the Node implementation also reads file: URLs and plain paths. */
  fetchBytes(url: string | URL): Promise<Uint8Array<ArrayBuffer>>;
  /** Synchronous file access for torch.save/load with a path, or null where the host has none. */
  fileAccess(): FileAccess | null;
  /** Logical CPUs this process may use (1 where the host does not say). */
  cpuCount(): number;
  /**
   * Whether a shared WebAssembly.Memory can be created and handed to workers: Node always; browsers only in a
   * cross-origin isolated page (COOP/COEP headers) and its workers.
   */
  sharedMemory(): boolean;
  /** Starts a worker running `source` (a classic script), or returns null where the host has no workers. */
  startWorker(source: string): KernelWorker | null;
}

/** A worker as the kernel thread pool needs it (src/backend/wasm/threads.ts). */
export interface KernelWorker {
  postMessage(message: unknown): void;
}

async function fetchBytes(url: string | URL): Promise<Uint8Array<ArrayBuffer>> {
  if (typeof fetch !== 'function') throw new Error(`ready: cannot load ${String(url)}: this host has no fetch()`);
  const response = await fetch(url);
  if (!response.ok) {
    throw new Error(`ready: fetching ${response.url || String(url)} failed with HTTP ${response.status} ${response.statusText}`);
  }
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * A Node built-in looked up at run time, for these sources run directly under Node (the tests): null in
 * browsers and where process.getBuiltinModule is missing (Node < 20.16; the Node bundles import statically).
 */
function nodeBuiltin<T>(id: string): T | null {
  const getBuiltin = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
  try {
    return typeof getBuiltin === 'function' ? (getBuiltin(id) as T) : null;
  } catch {
    return null;
  }
}

interface NodeWorkerThreads {
  Worker: new (source: string, options: { eval: boolean }) => KernelWorker & { unref(): void };
}

function cpuCount(): number {
  const os = nodeBuiltin<{ availableParallelism?: () => number }>('os');
  const n = os?.availableParallelism?.() ??
    (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return typeof n === 'number' && n >= 1 ? Math.floor(n) : 1;
}

function sharedMemory(): boolean {
  if (typeof SharedArrayBuffer !== 'function') return false;
  const g = globalThis as { crossOriginIsolated?: boolean; process?: { versions?: { node?: string } } };
  return g.crossOriginIsolated === true || typeof g.process?.versions?.node === 'string';
}

function startWorker(source: string): KernelWorker | null {
  const threads = nodeBuiltin<NodeWorkerThreads>('worker_threads');
  if (threads !== null) {
    const worker = new threads.Worker(source, { eval: true });
    worker.unref(); // an idle kernel worker must not keep the process alive
    return worker;
  }
  const g = globalThis as {
    Worker?: new (url: string) => KernelWorker;
    Blob?: typeof Blob;
    URL?: { createObjectURL?(blob: Blob): string };
  };
  if (g.Worker === undefined || g.Blob === undefined || g.URL?.createObjectURL === undefined) return null;
  try {
    // the URL stays valid for the page's life: a worker may fetch its script after this returns
    return new g.Worker(g.URL.createObjectURL(new g.Blob([source], { type: 'text/javascript' })));
  } catch {
    return null; // e.g. a Content-Security-Policy without blob: in worker-src
  }
}

export const platform: Platform = {
  prepareWasm: () => {},
  relaxedSimdByDefault: () => true,
  fetchBytes,
  // a runtime lookup (getBuiltinModule / CommonJS require), for sources run directly under Node and other hosts
  fileAccess: nodeFileAccess,
  cpuCount,
  sharedMemory,
  startWorker,
};
