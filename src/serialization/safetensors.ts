/**
 * The safetensors format over bytes, with no tensors involved: decoding a validated file into float32 / int32
 * arrays, and encoding arrays into a file. The header rules live in header.ts.
 *
 * Decoding widens or narrows to what tensors hold here: F64/F32/F16/BF16 -> float32 (F64 rounds to nearest),
 * integer dtypes -> int32 values of an int64 tensor (values outside the int32 range are refused). Encoding
 * writes F32 and I64 (int32 values sign-extended), which PyTorch's loaders read as float32 / int64.
 */
import { DTYPES, MAX_HEADER_BYTES, readHeader, type SafetensorsDType, type TensorEntry } from './header.js';
import { bf16ToF32, halfTableF32 } from './float16.js';

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A tensor of a checked file; `decode()` produces its values (a fresh array, or a view of the file's bytes). */
export interface StoredTensor extends TensorEntry {
  kind: 'float32' | 'int64';
  decode(): Float32Array | Int32Array;
}

export interface DecodedFile {
  tensors: StoredTensor[];
  metadata: Record<string, string> | null;
}

function decodeFloats(view: DataView, e: TensorEntry): Float32Array {
  const n = e.numel;
  if (e.dtype === 'F32' && LITTLE_ENDIAN && view.byteOffset % 4 === 0) return new Float32Array(view.buffer, view.byteOffset, n);
  const out = new Float32Array(n);
  switch (e.dtype) {
    case 'F32':
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
      break;
    case 'F64':
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(8 * i, true);
      break;
    case 'F16': {
      const table = halfTableF32();
      for (let i = 0; i < n; i++) out[i] = table[view.getUint16(2 * i, true)];
      break;
    }
    case 'BF16':
      for (let i = 0; i < n; i++) out[i] = bf16ToF32(view.getUint16(2 * i, true));
      break;
    default:
      throw new Error(`load: internal error: ${e.dtype} is not a float dtype`);
  }
  return out;
}

/** The i-th element of an integer tensor as a number (exact for 64-bit values within 2^53, approximate beyond). */
function integerAt(view: DataView, dtype: SafetensorsDType, i: number): number {
  switch (dtype) {
    case 'I64': return view.getInt32(8 * i + 4, true) * 2 ** 32 + view.getUint32(8 * i, true);
    case 'U64': return view.getUint32(8 * i + 4, true) * 2 ** 32 + view.getUint32(8 * i, true);
    case 'I32': return view.getInt32(4 * i, true);
    case 'U32': return view.getUint32(4 * i, true);
    case 'I16': return view.getInt16(2 * i, true);
    case 'U16': return view.getUint16(2 * i, true);
    case 'I8': return view.getInt8(i);
    case 'U8': return view.getUint8(i);
    default: throw new Error(`load: internal error: ${dtype} is not an integer dtype`);
  }
}

/** The exact decimal value of a 64-bit element, for error messages. */
function exact64(view: DataView, dtype: SafetensorsDType, i: number): string {
  return String(dtype === 'I64' ? view.getBigInt64(8 * i, true) : view.getBigUint64(8 * i, true));
}

/**
 * Int64 tensors here hold int32 values. Throws, naming the tensor, the first element outside that range;
 * runs before any tensor is created so that a refused file creates nothing.
 */
function checkIntegerRange(view: DataView, e: TensorEntry): void {
  if (e.dtype === 'I16' || e.dtype === 'U16' || e.dtype === 'I8' || e.dtype === 'U8' || e.dtype === 'I32') return;
  for (let i = 0; i < e.numel; i++) {
    const v = integerAt(view, e.dtype, i);
    if (v < -2147483648 || v > 2147483647) {
      const shown = e.dtype === 'I64' || e.dtype === 'U64' ? exact64(view, e.dtype, i) : String(v);
      throw new Error(
        `load: tensor ${JSON.stringify(e.name)} (${e.dtype}, shape [${e.shape.join(', ')}]) holds ${shown} at flat index ${i}, ` +
          'outside the int32 range [-2147483648, 2147483647] that int64 tensors hold here',
      );
    }
  }
}

function decodeIntegers(view: DataView, e: TensorEntry): Int32Array {
  if (e.dtype === 'I32' && LITTLE_ENDIAN && view.byteOffset % 4 === 0) return new Int32Array(view.buffer, view.byteOffset, e.numel);
  const out = new Int32Array(e.numel);
  for (let i = 0; i < e.numel; i++) out[i] = integerAt(view, e.dtype, i);
  return out;
}

/**
 * Checks a whole safetensors file (header, layout, integer ranges) and returns its tensors in header order,
 * each decodable on demand. Throws an Error naming the tensor and the problem; allocates nothing per tensor.
 */
export function decodeSafetensors(bytes: Uint8Array): DecodedFile {
  const header = readHeader(bytes);
  const tensors = header.tensors.map((e): StoredTensor => {
    const view = new DataView(bytes.buffer, bytes.byteOffset + header.dataStart + e.begin, e.end - e.begin);
    const kind = DTYPES[e.dtype].kind;
    if (kind === 'int64') checkIntegerRange(view, e);
    return {
      ...e,
      kind,
      decode: () => (kind === 'float32' ? decodeFloats(view, e) : decodeIntegers(view, e)),
    };
  });
  return { tensors, metadata: header.metadata };
}

export interface EncodeEntry {
  name: string;
  dtype: 'F32' | 'I64';
  shape: readonly number[];
  values: Float32Array | Int32Array;
}

/**
 * A safetensors file of `entries`, in order: header (`__metadata__` first when given) padded with spaces to a
 * multiple of 8 bytes so the data section is 8-byte aligned, then each tensor's bytes back to back.
 */
export function encodeSafetensors(entries: readonly EncodeEntry[], metadata: Record<string, string> | null = null): Uint8Array {
  const fields: string[] = [];
  if (metadata !== null) {
    const pairs = Object.entries(metadata).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
    fields.push(`"__metadata__":{${pairs.join(',')}}`);
  }
  const seen = new Set<string>();
  let offset = 0;
  for (const e of entries) {
    if (e.name === '__metadata__' || seen.has(e.name)) {
      throw new Error(`save: tensor name ${JSON.stringify(e.name)} is ${seen.has(e.name) ? 'used twice' : 'reserved for the metadata'}`);
    }
    seen.add(e.name);
    const bytes = e.values.length * (e.dtype === 'F32' ? 4 : 8);
    fields.push(`${JSON.stringify(e.name)}:${JSON.stringify({ dtype: e.dtype, shape: e.shape, data_offsets: [offset, offset + bytes] })}`);
    offset += bytes;
  }
  const json = new TextEncoder().encode(`{${fields.join(',')}}`);
  const headerLength = Math.ceil(json.length / 8) * 8;
  if (headerLength > MAX_HEADER_BYTES) throw new Error(`save: the header would take ${headerLength} bytes, more than the format's ${MAX_HEADER_BYTES}-byte limit`);
  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLength, true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const e of entries) {
    const v = e.values;
    if (e.dtype === 'F32') {
      for (let i = 0; i < v.length; i++, at += 4) view.setFloat32(at, v[i], true);
    } else {
      for (let i = 0; i < v.length; i++, at += 8) {
        view.setInt32(at, v[i], true);
        view.setInt32(at + 4, v[i] < 0 ? -1 : 0, true);
      }
    }
  }
  return out;
}
