/**
 * Synchronous file access for `save(sd, path)` / `load(path)` in Node, without a static import of any Node
 * built-in, so that one source builds into the Node ESM bundle, the Node CommonJS bundle and the browser bundle.
 *
 * Found at call time, in this order:
 * 1. `process.getBuiltinModule('node:fs')`: Node >= 20.16 and >= 22.3 (and Bun, Deno 2); synchronous, in ES
 *    modules and CommonJS alike.
 * 2. The CommonJS `require` of the running module (dist/index.cjs on an older Node 20). esbuild leaves a
 *    `require` with a non-literal argument alone; in the ESM and browser bundles it becomes esbuild's
 *    `__require`, which throws "Dynamic require ... is not supported", and the throw is caught here.
 * 3. Otherwise none (a browser, or ES modules on Node < 20.16, where no synchronous way exists without a static
 *    import): the caller reports that paths need Node and that bytes work everywhere.
 */

/** The part of node:fs that save and load use. */
export interface FileAccess {
  readFileSync(path: string | URL): Uint8Array;
  writeFileSync(path: string | URL, data: Uint8Array): void;
}

interface Host {
  process?: { getBuiltinModule?: (id: string) => unknown };
}

type Require = (id: string) => unknown;

// the bare name: getBuiltinModule and require both give the built-in for it, and no bundle holds a "node:" specifier
const FS_MODULE = 'fs';

function asFileAccess(fs: unknown): FileAccess | null {
  const candidate = fs as Partial<FileAccess> | null | undefined;
  return typeof candidate?.readFileSync === 'function' && typeof candidate.writeFileSync === 'function' ? (candidate as FileAccess) : null;
}

/** The lookup above over explicit sources (exported for tests). */
export function findFileAccess(host: Host, cjsRequire: Require | undefined): FileAccess | null {
  try {
    const getBuiltin = host.process?.getBuiltinModule;
    if (typeof getBuiltin === 'function') {
      const fs = asFileAccess(getBuiltin.call(host.process, FS_MODULE));
      if (fs) return fs;
    }
  } catch {
    // a host whose getBuiltinModule refuses node:fs (a sandbox): fall through
  }
  try {
    if (typeof cjsRequire === 'function') return asFileAccess(cjsRequire(FS_MODULE));
  } catch {
    // an ES module bundle's require shim, or a bundler's require that cannot load Node built-ins
  }
  return null;
}

function moduleRequire(): Require | undefined {
  return typeof require === 'function' ? (require as Require) : undefined;
}

let cached: FileAccess | null = null;

/** Node's fs where this runtime offers it synchronously, else null. */
export function nodeFileAccess(): FileAccess | null {
  cached ??= findFileAccess(globalThis as Host, moduleRequire());
  return cached;
}
