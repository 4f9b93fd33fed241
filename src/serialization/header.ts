/**
 * Reading and checking a safetensors header before anything is allocated for its tensors.
 *
 * Layout: an 8-byte little-endian u64 N, then N bytes of UTF-8 JSON
 *   { "<name>": { "dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end] }, ..., "__metadata__"?: { "k": "v" } }
 * (padded with trailing spaces), then the data section: each tensor's bytes, row-major little-endian, at
 * [begin, end) relative to the start of the data section. `readHeader` accepts a file only if every rule the
 * format implies holds (the same rules as the reference Rust implementation, plus duplicate keys and a depth
 * limit), so a caller can size and fill its tensors without further checks.
 */
import { isJsonObject, parseStrictJson, type JsonValue } from './json.js';

/** Element dtypes of the format that load reads, with their byte sizes and what they become here. */
export const DTYPES = {
  F64: { size: 8, kind: 'float32' },
  F32: { size: 4, kind: 'float32' },
  F16: { size: 2, kind: 'float32' },
  BF16: { size: 2, kind: 'float32' },
  I64: { size: 8, kind: 'int64' },
  I32: { size: 4, kind: 'int64' },
  I16: { size: 2, kind: 'int64' },
  I8: { size: 1, kind: 'int64' },
  U64: { size: 8, kind: 'int64' },
  U32: { size: 4, kind: 'int64' },
  U16: { size: 2, kind: 'int64' },
  U8: { size: 1, kind: 'int64' },
} as const;
export type SafetensorsDType = keyof typeof DTYPES;

/** Dtypes the format defines that have no counterpart here (listed so the error can say so). */
const UNSUPPORTED_DTYPES = ['BOOL', 'F8_E4M3', 'F8_E5M2', 'F8_E8M0', 'F6_E2M3', 'F6_E3M2', 'F4'];

/** The reference implementation's bound on the header; larger claims are lies or abuse. */
export const MAX_HEADER_BYTES = 100_000_000;
/** Deepest legitimate nesting is 3 (root, tensor entry, shape array); a little slack, then refuse. */
const MAX_JSON_DEPTH = 8;
/** PyTorch's own limit on tensor rank. */
const MAX_RANK = 64;
/** Everything loaded becomes float32/int32 in one wasm32 memory: at most 4 GiB, i.e. 2^30 elements. */
export const MAX_TOTAL_ELEMENTS = 2 ** 30;

export interface TensorEntry {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  numel: number;
  /** byte range in the data section */
  begin: number;
  end: number;
}

export interface Header {
  /** entries in header order */
  tensors: TensorEntry[];
  metadata: Record<string, string> | null;
  /** byte offset of the data section in the file (8 + N) */
  dataStart: number;
}

function fail(what: string): never {
  throw new Error(`load: invalid safetensors file: ${what}`);
}

function describe(v: JsonValue): string {
  if (isJsonObject(v)) return 'an object';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return String(v);
}

/** The header length N from the first 8 bytes, checked against the bound and the file size. */
function headerLength(bytes: Uint8Array): number {
  if (bytes.length < 8) fail(`the file has ${bytes.length} bytes, fewer than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, 8);
  const low = view.getUint32(0, true);
  const high = view.getUint32(4, true);
  const n = high * 2 ** 32 + low;
  if (high !== 0 || n > MAX_HEADER_BYTES) fail(`header length ${high === 0 ? n : `${high} * 2^32 + ${low}`} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  if (8 + n > bytes.length) fail(`header length ${n} runs past the end of the file (${bytes.length} bytes)`);
  return n;
}

function decodeUtf8(bytes: Uint8Array): string {
  // browsers' TextDecoder refuses views of a SharedArrayBuffer; the header is small, so copy it
  const own = bytes.buffer instanceof ArrayBuffer ? bytes : bytes.slice();
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(own);
  } catch {
    return fail('the header is not valid UTF-8');
  }
}

function checkShape(name: string, value: JsonValue | undefined): number[] {
  if (!Array.isArray(value)) fail(`tensor ${JSON.stringify(name)}: "shape" must be an array of sizes, got ${value === undefined ? 'nothing' : describe(value)}`);
  if (value.length > MAX_RANK) fail(`tensor ${JSON.stringify(name)}: shape has ${value.length} dimensions, more than ${MAX_RANK}`);
  return value.map((d, i) => {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      fail(`tensor ${JSON.stringify(name)}: shape[${i}] must be a non-negative integer, got ${describe(d)}`);
    }
    return d;
  });
}

/** Product of the sizes, refusing products beyond 2^53 (a zero size makes the product 0 regardless). */
function elementCount(name: string, shape: number[]): number {
  if (shape.includes(0)) return 0;
  let n = 1;
  for (const d of shape) {
    n *= d;
    if (n > Number.MAX_SAFE_INTEGER) fail(`tensor ${JSON.stringify(name)}: shape [${shape.join(', ')}] has more elements than 2^53`);
  }
  return n;
}

function checkOffsets(name: string, value: JsonValue | undefined): [number, number] {
  const ok = Array.isArray(value) && value.length === 2 &&
    value.every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0);
  if (!ok) {
    fail(`tensor ${JSON.stringify(name)}: "data_offsets" must be [begin, end] with non-negative integers, got ${value === undefined ? 'nothing' : Array.isArray(value) ? JSON.stringify(value) : describe(value)}`);
  }
  const [begin, end] = value as number[];
  if (end < begin) fail(`tensor ${JSON.stringify(name)}: data_offsets [${begin}, ${end}] end before they begin`);
  return [begin, end];
}

function checkEntry(name: string, value: JsonValue): TensorEntry {
  if (!isJsonObject(value)) fail(`tensor ${JSON.stringify(name)}: expected an object with dtype, shape and data_offsets, got ${describe(value)}`);
  for (const key of value.keys()) {
    if (key !== 'dtype' && key !== 'shape' && key !== 'data_offsets') fail(`tensor ${JSON.stringify(name)}: unexpected field ${JSON.stringify(key)}`);
  }
  const dtype = value.get('dtype');
  if (typeof dtype !== 'string' || !Object.hasOwn(DTYPES, dtype)) {
    const known = Object.keys(DTYPES).join(', ');
    if (typeof dtype === 'string' && UNSUPPORTED_DTYPES.includes(dtype)) {
      fail(`tensor ${JSON.stringify(name)}: dtype ${dtype} is not supported here (supported: ${known})`);
    }
    fail(`tensor ${JSON.stringify(name)}: unknown dtype ${dtype === undefined ? '(missing)' : describe(dtype)}; expected one of ${known}`);
  }
  const shape = checkShape(name, value.get('shape'));
  const [begin, end] = checkOffsets(name, value.get('data_offsets'));
  const numel = elementCount(name, shape);
  const size = DTYPES[dtype as SafetensorsDType].size;
  if (end - begin !== numel * size) {
    fail(`tensor ${JSON.stringify(name)}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes but shape [${shape.join(', ')}] of ${dtype} needs ${numel * size}`);
  }
  return { name, dtype: dtype as SafetensorsDType, shape, numel, begin, end };
}

function checkMetadata(value: JsonValue): Record<string, string> {
  if (!isJsonObject(value)) fail(`"__metadata__" must be an object mapping strings to strings, got ${describe(value)}`);
  const out: Record<string, string> = Object.create(null);
  for (const [k, v] of value) {
    if (typeof v !== 'string') fail(`"__metadata__" value for ${JSON.stringify(k)} must be a string, got ${describe(v)}`);
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** The tensors must tile the data section exactly: sorted by offset, each begins where the previous ended. */
function checkLayout(tensors: TensorEntry[], dataLength: number): void {
  const sorted = tensors.slice().sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const t of sorted) {
    if (t.begin !== cursor) {
      const why = t.begin < cursor ? 'overlaps the previous tensor' : `leaves a gap after byte ${cursor}`;
      fail(`tensor ${JSON.stringify(t.name)}: data_offsets [${t.begin}, ${t.end}] ${why}; tensors must be stored back to back from offset 0`);
    }
    cursor = t.end;
  }
  if (cursor !== dataLength) {
    fail(cursor > dataLength
      ? `tensors end at byte ${cursor} of the data section, but the file holds only ${dataLength} data bytes (truncated?)`
      : `the data section holds ${dataLength} bytes but the tensors cover only ${cursor}`);
  }
}

/** Parses and validates the header of a complete safetensors file held in `bytes`. */
export function readHeader(bytes: Uint8Array): Header {
  const n = headerLength(bytes);
  const text = decodeUtf8(bytes.subarray(8, 8 + n));
  let root: JsonValue;
  try {
    root = parseStrictJson(text, MAX_JSON_DEPTH);
  } catch (e) {
    return fail(`header JSON: ${(e as Error).message}`);
  }
  if (!isJsonObject(root)) fail(`the header must be a JSON object, got ${describe(root)}`);
  const tensors: TensorEntry[] = [];
  let metadata: Record<string, string> | null = null;
  let total = 0;
  for (const [name, value] of root) {
    if (name === '__metadata__') {
      metadata = checkMetadata(value);
      continue;
    }
    const entry = checkEntry(name, value);
    total += entry.numel;
    if (total > MAX_TOTAL_ELEMENTS) fail(`the tensors hold more than ${MAX_TOTAL_ELEMENTS} elements in all (at tensor ${JSON.stringify(name)}), beyond what WebAssembly memory can hold`);
    tensors.push(entry);
  }
  checkLayout(tensors, bytes.length - 8 - n);
  return { tensors, metadata, dataStart: 8 + n };
}
