/**
 * Shared by the serialization tests: the fixture files of scripts/fixtures/gen_safetensors.py, the model they
 * hold (built here with wasmtorch), and byte-level helpers for crafting safetensors files.
 */
import { readFileSync } from 'node:fs';
import * as torch from '../../src/index';

export type Tensor = ReturnType<typeof torch.tensor>;

export const FIXTURE_DIR = new URL('../fixtures/safetensors/', import.meta.url);

export function fixtureBytes(file: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(file, FIXTURE_DIR)));
}

export type FixtureValue = number | 'NaN' | 'Infinity' | '-Infinity';

export interface Expected {
  model: { numEmbeddings: number; embeddingDim: number; hiddenSize: number; numLayers: number; outFeatures: number };
  keys: string[];
  tokens: { shape: number[]; values: number[] };
  outputs: Record<'f32' | 'f16' | 'bf16' | 'f64', { shape: number[]; values: number[] }>;
  mixed: { name: string; dtype: string; kind: 'float32' | 'int64'; shape: number[]; values: FixtureValue[] }[];
  metadata: Record<string, Record<string, string> | null>;
}

export const expected: Expected = JSON.parse(readFileSync(new URL('safetensors.json', FIXTURE_DIR), 'utf8'));

/** The generator's TaggerNet: Embedding -> 2-layer batch-first LSTM -> Linear at every step. */
export class TaggerNet extends torch.nn.Module {
  emb: InstanceType<typeof torch.nn.Embedding>;
  lstm: InstanceType<typeof torch.nn.LSTM>;
  fc: InstanceType<typeof torch.nn.Linear>;

  constructor(sizes = expected.model) {
    super();
    this.emb = new torch.nn.Embedding(sizes.numEmbeddings, sizes.embeddingDim);
    this.lstm = new torch.nn.LSTM(sizes.embeddingDim, sizes.hiddenSize, { numLayers: sizes.numLayers, batchFirst: true });
    this.fc = new torch.nn.Linear(sizes.hiddenSize, sizes.outFeatures);
  }

  forward(tokens: Tensor): Tensor {
    const [out] = this.lstm.forward(this.emb.forward(tokens)) as [Tensor, unknown];
    return this.fc.forward(out) as Tensor;
  }
}

/** A safetensors file from a header given as raw JSON text (padded to 8 bytes) and a data section. */
export function craft(headerJson: string | Uint8Array, data: Uint8Array = new Uint8Array(0), { pad = true } = {}): Uint8Array {
  let json = typeof headerJson === 'string' ? new TextEncoder().encode(headerJson) : headerJson;
  if (pad && json.length % 8 !== 0) {
    const padded = new Uint8Array(Math.ceil(json.length / 8) * 8).fill(0x20);
    padded.set(json);
    json = padded;
  }
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** The header JSON text and data section of a file. */
export function split(bytes: Uint8Array): { header: string; data: Uint8Array } {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { header: new TextDecoder().decode(bytes.subarray(8, 8 + n)), data: bytes.subarray(8 + n) };
}

export function f32Bytes(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}

/** The message of the Error `fn` throws (fails the test if it returns, or throws a non-Error). */
export function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof Error)) throw new Error(`expected an Error, got ${String(e)}`);
    return e.message;
  }
  throw new Error('expected an Error, but the call returned');
}
