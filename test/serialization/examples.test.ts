// The checkpoint examples (examples/checkpoint/): a model trained here is saved and, where /usr/bin/python3 has
// torch, loaded by PyTorch with the same predictions; a model trained by PyTorch loads here and predicts the
// same. The examples import the built package, so the bundles are brought up to date first.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type Export = typeof import('../../examples/checkpoint/export.mjs');
type Import = typeof import('../../examples/checkpoint/import.mjs');

const root = join(__dirname, '..', '..');
const PYTHON = process.env.WASMTORCH_PYTHON ?? '/usr/bin/python3';
const hasTorch = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
const outDir = mkdtempSync(join(tmpdir(), 'wasmtorch-checkpoint-'));
let exporter: Export;
let importer: Import;

beforeAll(async () => {
  const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--if-stale'], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`build failed:\n${build.stdout}\n${build.stderr}`);
  exporter = await import('../../examples/checkpoint/export.mjs');
  importer = await import('../../examples/checkpoint/import.mjs');
}, 300_000);

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

function python(script: string, ...args: string[]): string {
  const run = spawnSync(PYTHON, [join(root, 'examples', 'checkpoint', script), ...args], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${script} exited with ${run.status}:\n${run.stdout}\n${run.stderr}`);
  return run.stdout;
}

describe('examples/checkpoint', () => {
  it('export.mjs trains briefly, saves a checkpoint and the logits it predicts', async () => {
    const { checkpoint, categories, logits, lines } = await exporter.main({ steps: 20, outDir, quiet: true });
    expect(existsSync(checkpoint)).toBe(true);
    expect(categories).toHaveLength(18);
    expect(logits).toHaveLength(12);
    expect(lines.some((l) => l.startsWith('Dostoevsky'))).toBe(true);
  });

  it.skipIf(!hasTorch)('load_in_pytorch.py loads it and PyTorch predicts the same', () => {
    expect(python('load_in_pytorch.py', outDir)).toMatch(/same predictions: True/);
  });

  it.skipIf(!hasTorch)('export_from_pytorch.py writes a checkpoint that import.mjs loads and predicts the same with', async () => {
    python('export_from_pytorch.py', '--steps', '20', '--out', outDir);
    const { ok, worst, same } = await importer.main({ dir: outDir, quiet: true });
    expect(same).toBe(true);
    expect(worst).toBeLessThanOrEqual(1e-4);
    expect(ok).toBe(true);
  });
});
