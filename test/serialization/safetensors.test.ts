// torch.save / torch.load over bytes: the layout written, every header rule the reader enforces (each refusal
// names the tensor and the problem, and creates nothing), and the dtype conversions.
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index';
import { bf16ToF32, f16ToF32 } from '../../src/serialization/float16';
import { forEachBackend } from '../helpers/backends';
import { craft, errorOf, f32Bytes, split } from './helpers';

const W = '"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}';
const TWO_FLOATS = f32Bytes([1.5, -2]);

function u64(n: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, n, true);
  return b;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** [file, expected message fragment]; every message starts with the operation. */
const REFUSED: [string, Uint8Array, string][] = [
  ['a 5-byte file', new Uint8Array(5), 'the file has 5 bytes, fewer than the 8-byte header length'],
  ['a header length beyond 2^32', u64(1n << 40n), 'header length 256 * 2^32 + 0 exceeds the 100000000-byte limit'],
  ['a header length over 100 MB', u64(100_000_008n), 'header length 100000008 exceeds the 100000000-byte limit'],
  ['a header length past the end', concat(u64(64n), new TextEncoder().encode('{}      ')), 'header length 64 runs past the end of the file (16 bytes)'],
  ['invalid UTF-8', craft(new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])), 'the header is not valid UTF-8'],
  ['an overlong UTF-8 encoding', craft(new Uint8Array([0x7b, 0x22, 0xc0, 0xaf, 0x22, 0x3a, 0x31, 0x7d])), 'not valid UTF-8'],
  ['a byte-order mark', craft(new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d])), 'header JSON: unexpected character "\ufeff" at character 0'],
  ['text that is not JSON', craft('hello'), 'header JSON: unexpected character "h"'],
  ['a JSON array', craft('[]'), 'the header must be a JSON object, got an array'],
  ['a duplicate tensor name', craft(`{${W},${W}}`, TWO_FLOATS), 'header JSON: duplicate key "w"'],
  ['a duplicate field', craft('{"w":{"dtype":"F32","dtype":"F16","shape":[2],"data_offsets":[0,8]}}', TWO_FLOATS), 'duplicate key "dtype"'],
  ['deep nesting', craft(`{"w":${'['.repeat(50_000)}}`), 'JSON nests deeper than 8 levels'],
  ['an entry that is not an object', craft('{"w":[1,2]}'), 'tensor "w": expected an object with dtype, shape and data_offsets, got an array'],
  ['an unknown field', craft('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"foo":1}}', TWO_FLOATS), 'tensor "w": unexpected field "foo"'],
  ['an unknown dtype', craft('{"w":{"dtype":"F99","shape":[2],"data_offsets":[0,8]}}', TWO_FLOATS), 'tensor "w": unknown dtype the string "F99"; expected one of F64, F32'],
  ['a dtype that is not a string', craft('{"w":{"dtype":4,"shape":[1],"data_offsets":[0,4]}}'), 'tensor "w": unknown dtype 4'],
  ['no dtype', craft('{"w":{"shape":[1],"data_offsets":[0,4]}}'), 'tensor "w": unknown dtype (missing)'],
  ['a dtype without a counterpart', craft('{"w":{"dtype":"BOOL","shape":[1],"data_offsets":[0,1]}}', new Uint8Array(1)), 'tensor "w": dtype BOOL is not supported here'],
  ['a "toString" dtype', craft('{"w":{"dtype":"toString","shape":[1],"data_offsets":[0,4]}}'), 'unknown dtype the string "toString"'],
  ['a shape that is not an array', craft('{"w":{"dtype":"F32","shape":2,"data_offsets":[0,8]}}', TWO_FLOATS), 'tensor "w": "shape" must be an array of sizes, got 2'],
  ['a negative size', craft('{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}', TWO_FLOATS), 'tensor "w": shape[0] must be a non-negative integer, got -2'],
  ['a fractional size', craft('{"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,6]}}'), 'shape[0] must be a non-negative integer, got 1.5'],
  ['a huge size', craft('{"w":{"dtype":"F32","shape":[1e300],"data_offsets":[0,8]}}', TWO_FLOATS), 'shape[0] must be a non-negative integer, got 1e+300'],
  ['a size given as a string', craft('{"w":{"dtype":"F32","shape":["2"],"data_offsets":[0,8]}}', TWO_FLOATS), 'shape[0] must be a non-negative integer, got the string "2"'],
  ['65 dimensions', craft(`{"w":{"dtype":"F32","shape":[${Array(65).fill(1)}],"data_offsets":[0,4]}}`, f32Bytes([1])), 'shape has 65 dimensions, more than 64'],
  ['a shape product beyond 2^53', craft('{"w":{"dtype":"U8","shape":[1073741824,1073741824,1073741824],"data_offsets":[0,8]}}'), 'tensor "w": shape [1073741824, 1073741824, 1073741824] has more elements than 2^53'],
  ['more than 2^30 elements', craft('{"w":{"dtype":"U8","shape":[1073741825],"data_offsets":[0,1073741825]}}'), 'more than 1073741824 elements in all (at tensor "w")'],
  ['three offsets', craft('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4,8]}}', TWO_FLOATS), 'tensor "w": "data_offsets" must be [begin, end] with non-negative integers, got [0,4,8]'],
  ['negative offsets', craft('{"w":{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}}', TWO_FLOATS), '"data_offsets" must be [begin, end]'],
  ['offsets beyond 2^53', craft('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,18446744073709551615]}}', TWO_FLOATS), '"data_offsets" must be [begin, end]'],
  ['no offsets', craft('{"w":{"dtype":"F32","shape":[2]}}', TWO_FLOATS), 'tensor "w": "data_offsets" must be [begin, end] with non-negative integers, got nothing'],
  ['offsets that end before they begin', craft('{"w":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}', TWO_FLOATS), 'tensor "w": data_offsets [8, 0] end before they begin'],
  ['a byte count that does not fit the shape', craft('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}', f32Bytes([1])), 'tensor "w": data_offsets [0, 4] hold 4 bytes but shape [2] of F32 needs 8'],
  ['a gap before the first tensor', craft('{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', TWO_FLOATS), 'tensor "w": data_offsets [4, 8] leaves a gap after byte 0'],
  ['overlapping tensors', craft(`{${W},"v":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, TWO_FLOATS), 'tensor "v": data_offsets [4, 8] overlaps the previous tensor'],
  ['a truncated data section', craft(`{${W}}`, f32Bytes([1])), 'tensors end at byte 8 of the data section, but the file holds only 4 data bytes (truncated?)'],
  ['trailing bytes', craft(`{${W}}`, concat(TWO_FLOATS, new Uint8Array(4))), 'the data section holds 12 bytes but the tensors cover only 8'],
  ['metadata that is not an object', craft('{"__metadata__":"x"}'), '"__metadata__" must be an object mapping strings to strings, got the string "x"'],
  ['a metadata value that is not a string', craft('{"__metadata__":{"epoch":3}}'), '"__metadata__" value for "epoch" must be a string, got 3'],
  ['two metadata entries', craft('{"__metadata__":{},"__metadata__":{}}'), 'duplicate key "__metadata__"'],
  ['an I64 value beyond int32', craft('{"i":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}}', new Uint8Array(new BigInt64Array([5n, -(2n ** 40n)]).buffer)), 'tensor "i" (I64, shape [2]) holds -1099511627776 at flat index 1, outside the int32 range'],
  ['a U64 value beyond int32', craft('{"u":{"dtype":"U64","shape":[1],"data_offsets":[0,8]}}', new Uint8Array(new BigUint64Array([2n ** 64n - 1n]).buffer)), 'holds 18446744073709551615 at flat index 0'],
  ['a U32 value beyond int32', craft('{"u":{"dtype":"U32","shape":[1],"data_offsets":[0,4]}}', new Uint8Array(new Uint32Array([2 ** 31]).buffer)), 'tensor "u" (U32, shape [1]) holds 2147483648 at flat index 0'],
];

forEachBackend(() => {
  describe('load refuses malformed files, naming the problem, and creates nothing', () => {
    it.each(REFUSED)('%s', (_, bytes, message) => {
      const before = torch.memory().tensors;
      const error = errorOf(() => torch.load(bytes));
      expect(error.startsWith('load: ')).toBe(true);
      expect(error).toContain(message);
      expect(torch.memory().tensors).toBe(before);
    });

    it('a refusal in the last tensor creates none of the earlier ones', () => {
      const bytes = craft(`{${W},"i":{"dtype":"I64","shape":[1],"data_offsets":[8,16]}}`, concat(TWO_FLOATS, u64(1n << 33n)));
      const before = torch.memory().tensors;
      expect(errorOf(() => torch.load(bytes))).toContain('tensor "i"');
      expect(torch.memory().tensors).toBe(before);
    });
  });

  describe('load accepts every valid layout', () => {
    it('an empty header, an unpadded header, and JSON whitespace', () => {
      expect(torch.load(craft('{}'))).toEqual({});
      expect(torch.load(craft(`{${W}}`, TWO_FLOATS, { pad: false })).w.tolist()).toEqual([1.5, -2]);
      expect(torch.load(craft(`\n {\n  ${W.replace(':', ' : ')} \n}\n`, TWO_FLOATS)).w.tolist()).toEqual([1.5, -2]);
    });

    it('tensors stored in another order than the header lists them keep the header order', () => {
      const header = '{"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}';
      const sd = torch.load(craft(header, TWO_FLOATS));
      expect(Object.keys(sd)).toEqual(['b', 'a']);
      expect(sd.a.item()).toBe(1.5);
      expect(sd.b.item()).toBe(-2);
    });

    it('zero-size tensors, wherever they sit', () => {
      const header = '{"e":{"dtype":"F64","shape":[0,3],"data_offsets":[8,8]},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"z":{"dtype":"I64","shape":[4,0],"data_offsets":[0,0]}}';
      const sd = torch.load(craft(header, TWO_FLOATS));
      expect(sd.e.shape).toEqual([0, 3]);
      expect(sd.z.shape).toEqual([4, 0]);
      expect(sd.z.dtype).toBe('int64');
      expect(sd.w.tolist()).toEqual([1.5, -2]);
    });

    it('a tensor named "__proto__" or "constructor" is an ordinary entry', () => {
      const header = '{"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"constructor":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}';
      const sd = torch.load(craft(header, TWO_FLOATS));
      expect(Object.keys(sd)).toEqual(['__proto__', 'constructor']);
      expect(Object.getPrototypeOf(sd)).toBe(Object.prototype);
      expect(sd.__proto__.item()).toBe(1.5);
      expect(torch.load(torch.save(sd))['__proto__'].item()).toBe(1.5);
    });

    it('bytes at any alignment: a Uint8Array view at an odd offset, an ArrayBuffer, a DataView', () => {
      const file = torch.save({ w: torch.tensor([1, 2, 3]), i: torch.tensor([4, -5], { dtype: 'int64' }) });
      const shifted = new Uint8Array(file.length + 3);
      shifted.set(file, 3);
      const odd = shifted.subarray(3);
      expect(torch.load(odd).w.tolist()).toEqual([1, 2, 3]);
      expect(torch.load(odd).i.tolist()).toEqual([4, -5]);
      expect(torch.load(file.slice().buffer).w.tolist()).toEqual([1, 2, 3]);
      expect(torch.load(new DataView(shifted.buffer, 3)).i.tolist()).toEqual([4, -5]);
    });

    it('loaded tensors own their values: changing the bytes afterwards changes nothing', () => {
      const file = torch.save({ w: torch.tensor([1, 2]) });
      const sd = torch.load(file);
      file.fill(0, file.length - 8);
      expect(sd.w.tolist()).toEqual([1, 2]);
    });
  });

  describe('save', () => {
    it('writes the layout of the format: u64 length, space-padded compact JSON, little-endian data', () => {
      const bytes = torch.save({ a: torch.tensor([[1, 2], [3, 4]]), n: torch.tensor([-1, 2 ** 31 - 1], { dtype: 'int64' }) }, undefined, { metadata: { k: 'v' } });
      const { header, data } = split(bytes);
      expect(header.length % 8).toBe(0);
      expect(header.trimEnd()).toBe('{"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"n":{"dtype":"I64","shape":[2],"data_offsets":[16,32]}}');
      expect(/^ *$/.test(header.slice(header.trimEnd().length))).toBe(true);
      expect(Array.from(new Float32Array(data.slice(0, 16).buffer))).toEqual([1, 2, 3, 4]);
      expect(Array.from(new BigInt64Array(data.slice(16).buffer))).toEqual([-1n, 2n ** 31n - 1n]);
    });

    it('writes row-major values of non-contiguous views, 0-d tensors and parameters that require grad', () => {
      const m = torch.tensor([[1, 2, 3], [4, 5, 6]]);
      const p = new torch.nn.Parameter(torch.tensor([7, 8]));
      const sd = torch.load(torch.save({ t: m.T, col: m.select(1, 1), s: torch.tensor(2.5 as never), p }));
      expect(sd.t.tolist()).toEqual([[1, 4], [2, 5], [3, 6]]);
      expect(sd.col.tolist()).toEqual([2, 5]);
      expect(sd.s.shape).toEqual([]);
      expect(sd.s.item()).toBe(2.5);
      expect(sd.p.requiresGrad).toBe(false);
      expect(sd.p.tolist()).toEqual([7, 8]);
    });

    it('keeps special float values bit for bit and non-ASCII names', () => {
      const values = [NaN, Infinity, -Infinity, -0, 2 ** -149, 3.4028234663852886e38];
      const sd = torch.load(torch.save({ 'ünï.cødé "q"\\': torch.tensor(values) }));
      const back = Array.from(sd['ünï.cødé "q"\\'].toArray());
      expect(back.map((v) => (Object.is(v, -0) ? '-0' : v))).toEqual(values.map((v) => (Object.is(v, -0) ? '-0' : v)));
    });

    it.each([
      ['a tensor', () => torch.save(torch.zeros(2) as never), 'save: expected a state dict'],
      ['an array', () => torch.save([torch.zeros(2)] as never), 'save: expected a state dict'],
      ['a non-tensor value', () => torch.save({ a: [1, 2] } as never), 'save: the value for "a" is not a Tensor (got object)'],
      ['the reserved name', () => torch.save({ __metadata__: torch.zeros(1) }), 'save: tensor name "__metadata__" is reserved for the metadata'],
      ['metadata with a number', () => torch.save({}, undefined, { metadata: { epoch: 3 } as never }), 'save: options.metadata["epoch"] must be a string, got number'],
      ['a path that is not a string', () => torch.save({}, 42 as never), 'save: path must be a string or URL'],
      ['a disposed tensor', () => {
        const t = torch.zeros(2);
        t.dispose();
        return torch.save({ t });
      }, 'save (tensor "t"): tensor of shape [2] can no longer be used: it was disposed'],
    ])('refuses %s', (_, call, message) => {
      expect(errorOf(call)).toContain(message);
    });

    it('load refuses what is neither a path nor bytes, and reports unreadable paths', () => {
      expect(errorOf(() => torch.load(42 as never))).toContain('load: expected a file path, a URL or the file\'s bytes');
      expect(errorOf(() => torch.load('/nonexistent/dir/x.safetensors'))).toContain('load: cannot read "/nonexistent/dir/x.safetensors": ENOENT');
      expect(errorOf(() => torch.save({}, '/nonexistent/dir/x.safetensors'))).toContain('save: cannot write "/nonexistent/dir/x.safetensors": ENOENT');
    });
  });
});

describe('16-bit float conversions', () => {
  it('f16ToF32 is exact for all 65,536 halves', () => {
    for (let bits = 0; bits < 65536; bits++) {
      const sign = bits & 0x8000 ? -1 : 1;
      const e = (bits >> 10) & 0x1f;
      const f = bits & 0x3ff;
      const want = e === 0x1f ? (f ? NaN : sign * Infinity) : e === 0 ? sign * f * 2 ** -24 : sign * (1 + f / 1024) * 2 ** (e - 15);
      const got = f16ToF32(bits);
      if (!Object.is(got, want)) expect(`${bits.toString(16)}: ${got}`).toBe(`${bits.toString(16)}: ${want}`);
    }
  });

  it('bf16ToF32 takes the bits as the high half of a float32', () => {
    expect(bf16ToF32(0x3f80)).toBe(1);
    expect(bf16ToF32(0xc040)).toBe(-3);
    expect(bf16ToF32(0x7f80)).toBe(Infinity);
    expect(bf16ToF32(0x7fc0)).toBeNaN();
    expect(Object.is(bf16ToF32(0x8000), -0)).toBe(true);
    expect(bf16ToF32(0x0001)).toBe(2 ** -133);
  });
});
