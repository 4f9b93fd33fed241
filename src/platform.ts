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
}

async function fetchBytes(url: string | URL): Promise<Uint8Array<ArrayBuffer>> {
  if (typeof fetch !== 'function') throw new Error(`ready: cannot load ${String(url)}: this host has no fetch()`);
  const response = await fetch(url);
  if (!response.ok) {
    throw new Error(`ready: fetching ${response.url || String(url)} failed with HTTP ${response.status} ${response.statusText}`);
  }
  return new Uint8Array(await response.arrayBuffer());
}

export const platform: Platform = {
  prepareWasm: () => {},
  relaxedSimdByDefault: () => true,
  fetchBytes,
  // a runtime lookup (getBuiltinModule / CommonJS require), for sources run directly under Node and other hosts
  fileAccess: nodeFileAccess,
};
