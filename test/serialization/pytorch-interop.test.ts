// Checkpoints that cross between PyTorch 1.13 and wasmtorch: files written by scripts/fixtures/gen_safetensors.py
// load here and reproduce PyTorch's outputs; files written here are byte-for-byte what the PyTorch side writes
// and, where /usr/bin/python3 has torch, pass its --check.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import * as torch from '../../src/index';
import { forEachBackend } from '../helpers/backends';
import { TaggerNet, errorOf, expected, fixtureBytes, type FixtureValue, type Tensor } from './helpers';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PYTHON = process.env.WASMTORCH_PYTHON ?? '/usr/bin/python3';
const tmp = mkdtempSync(join(tmpdir(), 'wasmtorch-safetensors-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function decode(v: FixtureValue): number {
  return typeof v === 'number' ? v : Number(v);
}

function expectClose(got: Tensor, want: { shape: number[]; values: number[] }, atol: number): void {
  expect(got.shape).toEqual(want.shape);
  const values = got.toArray();
  let worst = 0;
  want.values.forEach((w, i) => (worst = Math.max(worst, Math.abs(values[i] - w) - 1e-5 * Math.abs(w))));
  expect(worst).toBeLessThanOrEqual(atol);
}

function tokens(): Tensor {
  return torch.load(fixtureBytes('batch_i64.safetensors')).tokens;
}

function pythonHasTorch(): boolean {
  if (!existsSync(PYTHON)) return false;
  return spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
}

forEachBackend(() => {
  describe('PyTorch checkpoints load and reproduce PyTorch', () => {
    for (const variant of ['f32', 'f16', 'bf16', 'f64'] as const) {
      it(`model_${variant}.safetensors: loadStateDict into the same architecture gives PyTorch's logits`, () => {
        torch.manualSeed(123); // different initial weights: everything must come from the file
        const model = new TaggerNet();
        const sd = torch.load(fixtureBytes(`model_${variant}.safetensors`));
        expect(Object.keys(sd)).toEqual(expected.keys);
        for (const t of Object.values(sd)) expect(t.dtype).toBe('float32');
        expect(model.loadStateDict(sd)).toEqual({ missingKeys: [], unexpectedKeys: [] });
        const logits = torch.noGrad(() => model.eval().forward(tokens()));
        expectClose(logits, expected.outputs[variant], 2e-6);
      });
    }

    it('batch_i64.safetensors: I64 token ids and I32 lengths load as int64 tensors', () => {
      const sd = torch.load(fixtureBytes('batch_i64.safetensors'));
      expect(Object.keys(sd)).toEqual(['tokens', 'lengths']);
      expect(sd.tokens.dtype).toBe('int64');
      expect(sd.tokens.shape).toEqual(expected.tokens.shape);
      expect(Array.from(sd.tokens.toArray())).toEqual(expected.tokens.values);
      expect(sd.lengths.dtype).toBe('int64');
      expect(sd.lengths.tolist()).toEqual([7, 5, 3]);
    });

    it('mixed.safetensors: every dtype, 0-d and empty tensors, special values and odd names', () => {
      const sd = torch.load(fixtureBytes('mixed.safetensors'));
      expect(Object.keys(sd)).toEqual(expected.mixed.map((m) => m.name));
      for (const m of expected.mixed) {
        const t = sd[m.name];
        expect(t.dtype, m.name).toBe(m.kind);
        expect(t.shape, m.name).toEqual(m.shape);
        const got = Array.from(t.toArray());
        const want = m.values.map(decode);
        // bit-exact, NaN and -0 included: every conversion to float32 here is exact or round-to-nearest as in PyTorch
        expect(got.map((v) => (Object.is(v, -0) ? '-0' : v)), m.name).toEqual(want.map((v) => (Object.is(v, -0) ? '-0' : v)));
      }
    });

    it('i64_overflow.safetensors: an int64 value beyond int32 is refused by name, and nothing is created', () => {
      const before = torch.memory().tensors;
      const message = errorOf(() => torch.load(fixtureBytes('i64_overflow.safetensors')));
      expect(message).toContain('"too_big"');
      expect(message).toContain('2147483648 at flat index 1');
      expect(torch.memory().tensors).toBe(before);
    });

    it('loadStateDict reports missing and unexpected keys and shape mismatches of a loaded checkpoint', () => {
      const model = new TaggerNet();
      const sd = torch.load(fixtureBytes('model_f32.safetensors'));
      const extra = { ...sd, 'head.weight': torch.zeros(2) };
      delete (extra as Record<string, Tensor>)['fc.bias'];
      const strictMessage = errorOf(() => model.loadStateDict(extra));
      expect(strictMessage).toContain('Missing key(s) in state_dict: "fc.bias"');
      expect(strictMessage).toContain('Unexpected key(s) in state_dict: "head.weight"');
      expect(model.loadStateDict(extra, { strict: false })).toEqual({ missingKeys: ['fc.bias'], unexpectedKeys: ['head.weight'] });
      const bigger = new TaggerNet({ ...expected.model, hiddenSize: 12 });
      const before = bigger.fc.weight.tolist();
      const mismatch = errorOf(() => bigger.loadStateDict(sd));
      expect(mismatch).toContain('size mismatch for lstm.weight_ih_l0: copying a param with shape [64, 8] from checkpoint, the shape in current model is [48, 8]');
      expect(bigger.fc.weight.tolist()).toEqual(before);
    });
  });

  describe('checkpoints written here', () => {
    it('are byte-for-byte the file the PyTorch side writes for the same tensors and metadata', () => {
      const bytes = fixtureBytes('model_f32.safetensors');
      const again = torch.save(torch.load(bytes), undefined, { metadata: expected.metadata['model_f32.safetensors']! });
      expect(again.length).toBe(bytes.length);
      expect(Buffer.from(again).equals(Buffer.from(bytes))).toBe(true);
    });

    it('a trained-here state dict saves and loads back exactly (round trip through a path)', () => {
      torch.manualSeed(7);
      const model = new TaggerNet();
      const path = join(tmp, `roundtrip-${torch.backend()}.safetensors`);
      torch.save(model.stateDict(), path, { metadata: { format: 'pt' } });
      const copy = new TaggerNet();
      copy.loadStateDict(torch.load(path));
      for (const [name, t] of Object.entries(copy.stateDict())) expect(t.tolist(), name).toEqual(model.stateDict()[name].tolist());
      const x = tokens();
      expect(copy.forward(x).tolist()).toEqual(model.forward(x).tolist());
    });
  });
});

describe('PyTorch reads what torch.save writes', () => {
  it.skipIf(!pythonHasTorch())(`gen_safetensors.py --check accepts a file written here (${PYTHON})`, () => {
    const model = new TaggerNet();
    model.loadStateDict(torch.load(fixtureBytes('model_f32.safetensors')));
    const path = join(tmp, 'written-by-wasmtorch.safetensors');
    torch.save({ ...model.stateDict(), tokens: tokens() }, path, { metadata: { written_by: 'wasmtorch' } });
    expect(readFileSync(path).length).toBeGreaterThan(16_000);
    const run = spawnSync(PYTHON, [join(ROOT, 'scripts', 'fixtures', 'gen_safetensors.py'), '--check', path], { encoding: 'utf8' });
    expect(run.stdout + run.stderr).toContain('OK');
    expect(run.status).toBe(0);
  });
});
