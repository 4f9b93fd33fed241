/**
 * torch.save / torch.load: state dicts to and from safetensors files, as paths (Node) or bytes (anywhere).
 *
 * save writes float32 tensors as F32 and int64 tensors as I64; load reads F32, F16, BF16, F64 as float32 and
 * the integer dtypes as int64. A file is checked completely (header, layout, integer ranges) before the first
 * tensor is created, and tensors created before a failure (out of memory) are disposed, so a refused file
 * leaves nothing behind.
 */
import { Tensor } from '../tensor.js';
import { fromValues } from '../creation.js';
import { readValues } from '../ops/internal.js';
import { decodeSafetensors, encodeSafetensors, type EncodeEntry } from './safetensors.js';
import { readHeader } from './header.js';
import type { FileAccess } from './node-fs.js';
import { platform } from '../platform.js';

export interface SaveOptions {
  /** string -> string pairs stored as the header's `__metadata__` (safetensors' `metadata=`) */
  metadata?: Record<string, string>;
}

/** What load accepts: a file path or URL (Node), or the file's bytes. */
export type LoadSource = string | URL | Uint8Array | ArrayBuffer | ArrayBufferView;

function fileAccess(op: 'save' | 'load', path: string | URL): FileAccess {
  const fs = platform.fileAccess();
  if (fs) return fs;
  const inNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
  const bytesWay = inNode
    ? (op === 'save' ? 'write the bytes yourself: fs.writeFileSync(path, torch.save(stateDict))' : 'read the bytes yourself: torch.load(fs.readFileSync(path))')
    : (op === 'save'
      ? 'call torch.save(stateDict) without a path to get the file as a Uint8Array'
      : 'pass the file\'s bytes instead, e.g. torch.load(new Uint8Array(await (await fetch(url)).arrayBuffer()))');
  throw new Error(
    `${op}: cannot access the file ${JSON.stringify(String(path))}: file paths need Node's fs, found through ` +
      `process.getBuiltinModule (Node >= 20.16) or require (CommonJS), and this runtime offers neither; ${bytesWay}`,
  );
}

function checkStateDict(stateDict: unknown): [string, Tensor][] {
  if (typeof stateDict !== 'object' || stateDict === null || Array.isArray(stateDict) || stateDict instanceof Tensor) {
    throw new Error('save: expected a state dict: an object mapping names to tensors, such as model.stateDict()');
  }
  return Object.entries(stateDict).map(([name, t]) => {
    if (!(t instanceof Tensor)) {
      throw new Error(`save: the value for ${JSON.stringify(name)} is not a Tensor (got ${t === null ? 'null' : typeof t}); safetensors stores tensors only`);
    }
    return [name, t];
  });
}

function checkMetadata(metadata: unknown): Record<string, string> | null {
  if (metadata === undefined) return null;
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new Error('save: options.metadata must be an object mapping strings to strings');
  }
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') throw new Error(`save: options.metadata[${JSON.stringify(k)}] must be a string, got ${typeof v}`);
  }
  return metadata as Record<string, string>;
}

/** The safetensors bytes of `stateDict` (values copied out in row-major order, whatever the tensors' strides). */
function encodeStateDict(stateDict: Record<string, Tensor>, options: SaveOptions): Uint8Array {
  const metadata = checkMetadata(options.metadata);
  const entries: EncodeEntry[] = checkStateDict(stateDict).map(([name, t]) => ({
    name,
    dtype: t.dtype === 'int64' ? 'I64' : 'F32',
    shape: t.shape,
    values: readValues(t, `save (tensor ${JSON.stringify(name)})`),
  }));
  return encodeSafetensors(entries, metadata);
}

/**
 * Writes `stateDict` in the safetensors format: to the file at `path` (Node), or, without a path, returns the
 * file's bytes (browsers; or write them yourself). PyTorch reads the file with
 * `safetensors.torch.load_file(path)`.
 */
export function save(stateDict: Record<string, Tensor>, path?: undefined, options?: SaveOptions): Uint8Array;
export function save(stateDict: Record<string, Tensor>, path: string | URL, options?: SaveOptions): void;
export function save(stateDict: Record<string, Tensor>, path?: string | URL, options: SaveOptions = {}): Uint8Array | void {
  if (path !== undefined && typeof path !== 'string' && !(path instanceof URL)) {
    throw new Error(`save: path must be a string or URL, or left out to get the bytes; got ${typeof path}`);
  }
  const bytes = encodeStateDict(stateDict, options);
  if (path === undefined) return bytes;
  const fs = fileAccess('save', path);
  try {
    fs.writeFileSync(path, bytes);
  } catch (e) {
    throw new Error(`save: cannot write ${JSON.stringify(String(path))}: ${(e as Error).message}`);
  }
}

function readSource(source: LoadSource): Uint8Array {
  if (typeof source === 'string' || source instanceof URL) {
    const fs = fileAccess('load', source);
    try {
      return fs.readFileSync(source);
    } catch (e) {
      throw new Error(`load: cannot read ${JSON.stringify(String(source))}: ${(e as Error).message}`);
    }
  }
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  throw new Error(`load: expected a file path, a URL or the file's bytes (Uint8Array / ArrayBuffer), got ${source === null ? 'null' : typeof source}`);
}

/**
 * Reads a safetensors file (a path or URL in Node, or its bytes) into a state dict, in the file's order:
 * float dtypes as float32 tensors, integer dtypes as int64, on the active backend. Malformed or hostile files
 * throw an Error naming the tensor and the problem, and create nothing.
 */
export function load(source: LoadSource): Record<string, Tensor> {
  const file = decodeSafetensors(readSource(source));
  const out: Record<string, Tensor> = {};
  const created: Tensor[] = [];
  try {
    for (const entry of file.tensors) {
      const t = fromValues(entry.shape, entry.decode(), entry.kind);
      created.push(t);
      // defineProperty keeps a tensor named "__proto__" an ordinary entry
      Object.defineProperty(out, entry.name, { value: t, enumerable: true, writable: true, configurable: true });
    }
  } catch (e) {
    for (const t of created) t.dispose();
    throw e;
  }
  return out;
}

/**
 * The string pairs a safetensors file carries in its header's `__metadata__` (what `save(sd, path, { metadata })`
 * wrote; safetensors' `safe_open(path).metadata()`), or null when it has none. Reads and checks only the header.
 */
export function loadMetadata(source: LoadSource): Record<string, string> | null {
  const metadata = readHeader(readSource(source)).metadata;
  return metadata === null ? null : { ...metadata };
}
