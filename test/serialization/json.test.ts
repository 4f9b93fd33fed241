// The strict JSON parser behind the safetensors header reader: RFC 8259 exactly, no duplicate keys, bounded depth.
import { describe, expect, it } from 'vitest';
import { parseStrictJson, type JsonValue } from '../../src/serialization/json';
import { errorOf } from './helpers';

/** Maps -> plain objects, for comparison with JSON.parse. */
function plain(v: JsonValue): unknown {
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, plain(x)]));
  if (Array.isArray(v)) return v.map(plain);
  return v;
}

const parse = (text: string, depth = 16) => parseStrictJson(text, depth);

describe('parseStrictJson', () => {
  it.each([
    '{}', '[]', '0', '-0', '12.5e-3', '1E+2', '-1.25', 'true', 'false', 'null', '""',
    '{"a":[1,2,{"b":null}],"c":"d"}', ' \t\r\n{ "a" : 1 , "b" : [ ] } \n ',
    '"esc: \\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\ud83d\\ude00"', '"raw ünïcødé 😀"',
    '123456789012345678901234567890', '1e400',
  ])('parses %s as JSON.parse does', (text) => {
    expect(plain(parse(text))).toEqual(JSON.parse(text));
  });

  it('keeps object keys in source order, "__proto__" as plain data', () => {
    const v = parse('{"z":1,"__proto__":{"polluted":true},"a":2}') as Map<string, JsonValue>;
    expect([...v.keys()]).toEqual(['z', '__proto__', 'a']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ['{"a":1,"a":2}', 'duplicate key "a" at character 7'],
    ['{"t":{"dtype":"F32","dtype":"F16"}}', 'duplicate key "dtype"'],
    ['{"a\\u0062":1,"ab":2}', 'duplicate key "ab"'],
    ['{"a":1,}', 'expected a string key'],
    ['[1,]', 'unexpected character "]"'],
    ['{"a" 1}', 'expected ":"'],
    ['{"a":1 "b":2}', 'expected "," or "}"'],
    ['[1 2]', 'expected "," or "]"'],
    ["{'a':1}", 'expected a string key'],
    ['01', 'unexpected text after the JSON value'],
    ['1.', 'unexpected text after the JSON value'],
    ['.5', 'unexpected character "."'],
    ['+1', 'unexpected character "+"'],
    ['-', 'malformed number'],
    ['NaN', 'unexpected character "N"'],
    ['Infinity', 'unexpected character "I"'],
    ['tru', 'unexpected character "t"'],
    ['"abc', 'unterminated string'],
    ['"a\nb"', 'control character in string'],
    ['"\\x41"', 'bad escape in string'],
    ['"\\u12G4"', 'bad \\u escape'],
    ['{} {}', 'unexpected text after the JSON value'],
    ['{"a":1} // comment', 'unexpected text after the JSON value'],
    ['', 'unexpected end of JSON'],
    ['\ufeff{}', 'unexpected character'],
  ])('refuses %j', (text, message) => {
    expect(errorOf(() => parse(text))).toContain(message);
  });

  it('refuses nesting deeper than the limit without recursing further', () => {
    expect(plain(parse('[[[1]]]', 3))).toEqual([[[1]]]);
    expect(errorOf(() => parse('[[[[1]]]]', 3))).toBe('JSON nests deeper than 3 levels at character 3');
    expect(errorOf(() => parse('{"a":{"b":{"c":{}}}}', 3))).toContain('JSON nests deeper than 3 levels');
    expect(errorOf(() => parse('['.repeat(1_000_000), 8))).toContain('nests deeper than 8');
  });

  it('runs in linear time on long inputs', () => {
    const keys = Array.from({ length: 50_000 }, (_, i) => `"k${i}":[${i},${i + 1}]`).join(',');
    const v = parse(`{${keys}}`) as Map<string, JsonValue>;
    expect(v.size).toBe(50_000);
    expect(v.get('k49999')).toEqual([49999, 50000]);
    expect((parse(`"${'x'.repeat(1_000_000)}"`) as string).length).toBe(1_000_000);
  });
});
