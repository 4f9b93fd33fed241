/**
 * Which kernel set runs the ops, and how the WebAssembly kernels get compiled.
 *
 * Importing is enough: the first tensor op picks the best kernel set this engine accepts and compiles the bytes
 * embedded in the bundle synchronously (some tens of KB, far below Chromium's 8 MB limit on synchronous compiles
 * on a page's main thread). The choice, checked with WebAssembly.validate on the two builds:
 *   'wasm-relaxed-simd' where relaxed SIMD validates (and the host has not opted out, see platform-node.ts),
 *   'wasm-simd' where plain SIMD validates, 'js' (the pure-JS twin) where WebAssembly or its SIMD is missing,
 *   and 'js' with one console warning where compiling is refused (a Content-Security-Policy without
 *   'wasm-unsafe-eval' refuses every WebAssembly compile, whatever the source of the bytes).
 *
 * `ready()` does the same work asynchronously (WebAssembly.compile) and is idempotent. `ready({ wasmUrl })`
 * compiles a separately served .wasm file instead of the embedded bytes; it must run before the first tensor op.
 */
import type { Backend, BackendName } from './backend/types.js';
import { createJsBackend } from './backend/js/index.js';
import { createWasmBackend, wasmBytes, type WasmVariant } from './backend/wasm/index.js';
import { buildOf, provideCompiledModule } from './backend/wasm/module.js';
import { numThreads } from './backend/wasm/threads.js';
import { platform } from './platform.js';

export type BackendChoice = BackendName | 'wasm';

/** A URL (absolute, or relative to the page / worker script; in Node also a file path) of a built .wasm file. */
export type WasmUrl = string | URL;

export interface ReadyOptions {
  /**
   * Load the kernels from a served file instead of the bytes embedded in the bundle, compiling asynchronously.
   * A single URL names the SIMD build (the package's `wasmtorch/wasm/simd.wasm`); `{ simd, relaxed }` names
   * both, and the relaxed build is fetched where the engine supports it. The file must be the one shipped with
   * this version of the package (it is checked byte for byte against the embedded build).
   */
  wasmUrl?: WasmUrl | { simd: WasmUrl; relaxed?: WasmUrl };
}

const VARIANT_BACKEND: Record<WasmVariant, BackendName> = { simd: 'wasm-simd', relaxed: 'wasm-relaxed-simd' };

const instances = new Map<BackendName, Backend>();
let active: Backend | null = null;
/** The build `ready({ wasmUrl })` loaded; the default choice then sticks to it. */
let loadedVariant: WasmVariant | null = null;
let readyPromise: Promise<void> | null = null;
let urlLoad: Promise<void> | null = null;
let features: { simd: boolean; relaxed: boolean; threads: boolean } | null = null;

/** What this engine validates, checked once (after the platform had its chance to enable relaxed SIMD). */
function engineFeatures(): { simd: boolean; relaxed: boolean; threads: boolean } {
  if (features) return features;
  const hasWasm = typeof WebAssembly === 'object' && typeof WebAssembly.validate === 'function';
  const validates = (variant: WasmVariant, shared = false): boolean =>
    hasWasm && WebAssembly.validate(wasmBytes(buildOf(variant, shared)));
  if (hasWasm) platform.prepareWasm(() => validates('relaxed'));
  features = { simd: validates('simd'), relaxed: validates('relaxed'), threads: validates('simd', true) };
  return features;
}

/**
 * Whether the wasm backends get a shared memory (the '-threads' builds), so that kernels can use worker
 * threads: where the engine has WebAssembly threads, the host shares memory with workers (Node; a cross-origin
 * isolated page), and the build was not loaded from a URL (`ready({ wasmUrl })` serves the unshared builds).
 */
function sharedBuilds(): boolean {
  return engineFeatures().threads && platform.sharedMemory() && loadedVariant === null;
}

/** The build the default choice uses, or null for the pure-JS kernels. */
function defaultVariant(): WasmVariant | null {
  const { simd, relaxed } = engineFeatures();
  if (!simd) return null;
  if (loadedVariant) return loadedVariant;
  return relaxed && platform.relaxedSimdByDefault() ? 'relaxed' : 'simd';
}

function unsupported(name: BackendName): Error {
  if (name === 'wasm-relaxed-simd') {
    return new Error('setBackend: this engine does not support WebAssembly relaxed SIMD (it needs Node >= 21, ' +
      'Node 20 with wasmtorch setting --experimental-wasm-relaxed-simd (unless WASMTORCH_NO_RELAXED_SIMD is set), ' +
      'or a current browser); use \'wasm-simd\'');
  }
  return new Error(`setBackend: this engine does not support WebAssembly SIMD, so '${name}' is unavailable; use 'js'`);
}

function instantiate(name: BackendName): Backend {
  const existing = instances.get(name);
  if (existing) return existing;
  let backend: Backend;
  if (name === 'js') backend = createJsBackend();
  else {
    const variant: WasmVariant = name === 'wasm-relaxed-simd' ? 'relaxed' : 'simd';
    if (!engineFeatures()[variant]) throw unsupported(name);
    backend = createSharedOrNot(variant);
  }
  instances.set(name, backend);
  return backend;
}

/** A wasm backend with a shared memory where possible; one with its own memory where that fails (e.g. the 4 GiB
 * shared maximum cannot be reserved). */
function createSharedOrNot(variant: WasmVariant): Backend {
  if (sharedBuilds()) {
    try {
      return createWasmBackend(variant, { shared: true });
    } catch {
      // fall through to the unshared build: correct everywhere, one thread
    }
  }
  return createWasmBackend(variant);
}

/** The default choice; a WebAssembly build that validates but may not be compiled here falls back to 'js'. */
function chooseDefault(): Backend {
  const variant = defaultVariant();
  if (variant === null) return instantiate('js');
  try {
    return instantiate(VARIANT_BACKEND[variant]);
  } catch (err) {
    console.warn(`wasmtorch: the WebAssembly kernels could not be compiled, so the pure-JS kernels ('js') run ` +
      `instead. Under a Content-Security-Policy, allow WebAssembly with 'wasm-unsafe-eval' in script-src. ` +
      `(${err instanceof Error ? err.message : String(err)})`);
    return instantiate('js');
  }
}

/** The active backend, chosen on first use (see the file comment). */
export function currentBackend(): Backend {
  active ??= chooseDefault();
  return active;
}

/** Switch kernel sets; tensors keep the backend they were created on and cannot be mixed in one op. */
export function setBackend(name: BackendChoice): void {
  const valid = ['wasm', 'wasm-simd', 'wasm-relaxed-simd', 'js'];
  if (!valid.includes(name)) {
    throw new Error(`setBackend: unknown backend ${JSON.stringify(name)}; expected one of ${valid.join(', ')}`);
  }
  if (name !== 'wasm') {
    active = instantiate(name);
    return;
  }
  const variant = defaultVariant();
  if (variant === null) throw unsupported('wasm-simd');
  active = instantiate(VARIANT_BACKEND[variant]);
}

/** The name of the active kernel set: 'wasm-relaxed-simd', 'wasm-simd' or 'js'. */
export function backend(): BackendName {
  return currentBackend().name;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Fetches the chosen build from `wasmUrl`, checks it is this version's, and compiles it asynchronously. */
async function loadFromUrl(wasmUrl: NonNullable<ReadyOptions['wasmUrl']>): Promise<void> {
  const urls = typeof wasmUrl === 'string' || wasmUrl instanceof URL ? { simd: wasmUrl } : wasmUrl;
  if (urls.simd === undefined) throw new Error('ready: wasmUrl as an object needs at least { simd: url }');
  const compiled = [...instances.keys()].filter((name) => name !== 'js');
  if (compiled.length > 0) {
    throw new Error(`ready: wasmUrl was given after the '${compiled[0]}' kernels were already compiled from the ` +
      'embedded bytes (a tensor was created first); call and await torch.ready({ wasmUrl }) before any tensor op');
  }
  const { simd, relaxed } = engineFeatures();
  if (!simd) return; // the pure-JS kernels run; nothing to fetch
  const variant: WasmVariant =
    urls.relaxed !== undefined && relaxed && platform.relaxedSimdByDefault() ? 'relaxed' : 'simd';
  const url = variant === 'relaxed' ? urls.relaxed! : urls.simd;
  const bytes = await platform.fetchBytes(url);
  const expected = wasmBytes(variant);
  if (!sameBytes(bytes, expected)) {
    throw new Error(`ready: ${String(url)} is not this version's ${variant} build (${bytes.length} bytes, expected ` +
      `${expected.length}); serve wasmtorch/wasm/${variant}.wasm from the same package as this bundle`);
  }
  provideCompiledModule(variant, await WebAssembly.compile(bytes));
  loadedVariant = variant;
  currentBackend();
}

/** Compiles the default build asynchronously, so that the first tensor op does not compile on this thread. */
async function compileDefault(): Promise<void> {
  const variant = defaultVariant();
  if (variant !== null) {
    try {
      const build = buildOf(variant, sharedBuilds());
      provideCompiledModule(build, await WebAssembly.compile(wasmBytes(build)));
    } catch {
      // refused (e.g. by a Content-Security-Policy): currentBackend() warns and falls back to 'js'
    }
  }
  currentBackend();
}

/**
 * Resolves once the kernels are live. Idempotent, and never needed before the first op; with `wasmUrl` it
 * loads the kernels from a served file (see ReadyOptions) and rejects with the reason when that fails.
 */
export function ready(options: ReadyOptions = {}): Promise<void> {
  if (options.wasmUrl !== undefined) {
    urlLoad ??= loadFromUrl(options.wasmUrl).catch((err: unknown) => {
      urlLoad = null; // a failed load may be retried
      throw err;
    });
  }
  if (urlLoad) return urlLoad;
  if (active) return Promise.resolve();
  readyPromise ??= compileDefault();
  return readyPromise;
}

/** How kernels run in parallel here (cf. PyTorch's torch.__config__.parallel_info()). */
export interface ParallelInfo {
  /** torch.getNumThreads(): the most threads a kernel call may use */
  numThreads: number;
  /** threads of the active backend ready now, the caller included (workers start on the first large call) */
  threadsReady: number;
  /** whether the active backend's memory is shared with workers (Node; cross-origin isolated pages) */
  sharedMemory: boolean;
}

export function parallelInfo(): ParallelInfo {
  const b = currentBackend();
  return { numThreads: numThreads(), threadsReady: b.readyThreads(), sharedMemory: b.sharedMemory === true };
}
