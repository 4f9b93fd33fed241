// The char-lm example (examples/char-lm/): the TBPTT batch layout, a short run whose training loss falls well
// below the unigram entropy of tiny Shakespeare, checkpoints that resume exactly (same losses, bit for bit, as
// the uninterrupted run), and sampling. The example imports the built package, so the bundles are brought up
// to date first.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type Data = typeof import('../../examples/char-lm/data.mjs');
type Train = typeof import('../../examples/char-lm/train.mjs');
type Sample = typeof import('../../examples/char-lm/sample.mjs');

const root = join(__dirname, '..', '..');
const exampleDir = join(root, 'examples', 'char-lm');
const dataFile = join(root, 'data', 'tinyshakespeare', 'input.txt');
const outDir = mkdtempSync(join(tmpdir(), 'wasmtorch-charlm-'));
const quiet = { log: () => {}, progress: false, chart: null, sampleLength: 0 } as const;
let data: Data;
let train: Train;
let sampler: Sample;

beforeAll(async () => {
  const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--if-stale'], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`build failed:\n${build.stdout}\n${build.stderr}`);
  data = await import('../../examples/char-lm/data.mjs');
  train = await import('../../examples/char-lm/train.mjs');
  sampler = await import('../../examples/char-lm/sample.mjs');
}, 300_000);

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('char-lm data', () => {
  it('reads tiny Shakespeare: 65 characters, 90% / 10% split', () => {
    const text = readFileSync(dataFile, 'utf8');
    expect(text.length).toBe(1_115_394);
    const vocab = data.CharVocab.fromText(text);
    expect(vocab.size).toBe(65);
    expect(vocab.chars.slice(0, 3)).toEqual(['\n', ' ', '!']);
    const { train: t, val } = data.splitIds(vocab.encode(text));
    expect([t.length, val.length]).toEqual([1_003_854, 111_540]);
    expect(vocab.decode(vocab.encode('ROMEO:'))).toBe('ROMEO:');
    expect(() => vocab.encode('ROMEO~')).toThrow(/"~" at position 5 is not in the vocabulary/);
  });

  it('cuts a split into contiguous streams, one per batch row, read window after window', () => {
    const ids = Int32Array.from({ length: 23 }, (_, i) => i);
    const b = new data.StreamBatcher(ids, 2, 4); // streams [0..10] and [11..21], 11 steps each (id 22 unused)
    expect([b.streamLength, b.fullWindows, b.allWindows]).toEqual([11, 2, 3]);
    const w0 = b.window(0);
    expect(Array.from(w0.x)).toEqual([0, 11, 1, 12, 2, 13, 3, 14]); // [seq, batch], sequence-major
    expect(Array.from(w0.y)).toEqual([1, 12, 2, 13, 3, 14, 4, 15]);
    expect(Array.from(b.window(1).x)).toEqual([4, 15, 5, 16, 6, 17, 7, 18]);
    const last = b.window(2);
    expect(last.steps).toBe(3);
    expect(Array.from(last.y)).toEqual([9, 20, 10, 21, 11, 22]);
    expect(b.position(5)).toEqual({ epoch: 2, window: 1 });
  });
});

describe('char-lm training', () => {
  it('learns: training loss ends far below the unigram entropy of the text', async () => {
    const text = readFileSync(dataFile, 'utf8');
    const vocab = data.CharVocab.fromText(text);
    const unigramBits = data.unigramEntropyBits(data.splitIds(vocab.encode(text)).train, vocab.size);
    expect(unigramBits).toBeCloseTo(4.774, 3);
    const run = await train.main({
      ...quiet,
      config: { hiddenSize: 64, embeddingDim: 16, seqLength: 32, batchSize: 16, steps: 400, lr: 1e-2, minLr: 1e-3 },
      checkpoint: null,
      evalEvery: 400,
      evalWindows: 8,
    });
    const tail = run.history.losses.slice(-50);
    const finalBits = tail.reduce((a, b) => a + b, 0) / tail.length / Math.LN2;
    expect(run.history.losses[0] / Math.LN2).toBeGreaterThan(5.9); // uniform over 65 characters: 6.02 bits
    expect(finalBits).toBeLessThan(unigramBits - 1.2);
    expect(run.history.evals).toHaveLength(1);
    expect(run.history.evals[0].bpc).toBeLessThan(unigramBits - 1);
  });

  it('resumes from a checkpoint exactly: the same losses, bit for bit, as the uninterrupted run', async () => {
    // a short text, so that 40 steps cross the start of a new pass (state reset) after the checkpoint
    const small = join(outDir, 'small.txt');
    writeFileSync(small, readFileSync(dataFile, 'utf8').slice(0, 4000));
    const checkpoint = join(outDir, 'resume.safetensors');
    const options = {
      ...quiet,
      dataFile: small,
      config: { hiddenSize: 32, embeddingDim: 8, seqLength: 16, batchSize: 8, steps: 40, dropout: 0.3, lr: 5e-3, seed: 3 },
      evalEvery: 15,
      evalWindows: 2,
    };
    const whole = await train.main({ ...options, checkpoint: null });
    const first = await train.main({ ...options, checkpoint, stopAt: 20 });
    expect(first.step).toBe(20);
    expect(first.history.losses).toEqual(whole.history.losses.slice(0, 20));
    const resumed = await train.main({ ...options, checkpoint, resume: true });

    expect(resumed.history.losses).toHaveLength(40);
    expect(resumed.history.losses).toEqual(whole.history.losses);
    expect(resumed.history.evals).toEqual(whole.history.evals);
    const a = whole.model.stateDict();
    const b = resumed.model.stateDict();
    for (const key of Object.keys(a)) expect(Array.from(b[key].toArray()), key).toEqual(Array.from(a[key].toArray()));
    expect(Array.from(resumed.state[0].toArray())).toEqual(Array.from(whole.state[0].toArray()));
  });

  it('samples from a checkpoint: the prime, then the requested number of characters, reproducibly', async () => {
    const checkpoint = join(outDir, 'resume.safetensors');
    const one = await sampler.main({ checkpoint, prime: 'First', length: 40, seed: 1, write: null });
    const two = await sampler.main({ checkpoint, prime: 'First', length: 40, seed: 1, write: null });
    expect(one.text.startsWith('First')).toBe(true);
    expect(Array.from(one.text)).toHaveLength(45);
    expect(two.text).toBe(one.text);
    expect(one.step).toBe(40);
    const greedy = await sampler.main({ checkpoint, prime: 'First', length: 10, temperature: 0, write: null });
    expect(Array.from(greedy.text)).toHaveLength(15);
    await expect(sampler.main({ checkpoint: join(outDir, 'missing.safetensors'), write: null })).rejects.toThrow(/npm run train:charlm/);
  });

  it('keeps the reusable parts free of Node built-ins (the browser demo imports them in a worker)', () => {
    for (const file of ['model.mjs', 'data.mjs', 'checkpoint.mjs']) {
      const source = readFileSync(join(exampleDir, file), 'utf8');
      expect(source, file).not.toMatch(/from ['"](node:|fs|path|url|os)/);
      expect(source, file).not.toMatch(/\b(process|require|Buffer)\b[.(]/);
    }
  });
});
