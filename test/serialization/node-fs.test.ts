// How save/load reach the file system (src/serialization/node-fs.ts): process.getBuiltinModule, else the
// CommonJS require, else a clear error; and the three bundles built as scripts/build.mjs builds them: the
// browser bundle imports nothing, the CommonJS bundle works without getBuiltinModule (older Node 20), the ESM
// bundle without it explains what to do.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFileAccess, nodeFileAccess } from '../../src/serialization/node-fs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'wasmtorch-bundles-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** scripts/build.mjs's plugin: the Node bundles get src/platform-node.ts in place of src/platform.ts. */
const nodePlatform: esbuild.Plugin = {
  name: 'node-platform',
  setup(build) {
    const target = join(ROOT, 'src', 'platform-node.ts');
    build.onResolve({ filter: /^\.\/platform\.js$/ }, (args) => (
      existsSync(target) && args.importer.startsWith(join(ROOT, 'src')) ? { path: target } : undefined
    ));
  },
};

const fakeFs = { readFileSync: () => new Uint8Array(1), writeFileSync: () => undefined };

describe('findFileAccess', () => {
  it('takes node:fs from process.getBuiltinModule first', () => {
    const asked: string[] = [];
    const host = { process: { getBuiltinModule: (id: string) => (asked.push(id), fakeFs) } };
    expect(findFileAccess(host, () => { throw new Error('require must not be called'); })).toBe(fakeFs);
    expect(asked).toEqual(['fs']);
  });

  it('falls back to a CommonJS require, and to null when that throws or is absent', () => {
    expect(findFileAccess({ process: {} }, (id) => (id === 'fs' ? fakeFs : null))).toBe(fakeFs);
    expect(findFileAccess({}, () => { throw new Error('Dynamic require of "fs" is not supported'); })).toBeNull();
    expect(findFileAccess({}, undefined)).toBeNull();
    expect(findFileAccess({ process: { getBuiltinModule: () => { throw new Error('denied'); } } }, undefined)).toBeNull();
    expect(findFileAccess({ process: { getBuiltinModule: () => ({}) } }, undefined)).toBeNull();
  });

  it('finds the real fs in this Node', () => {
    expect(typeof nodeFileAccess()?.readFileSync).toBe('function');
  });
});

describe('the bundles', () => {
  const file = join(dir, 'x.safetensors');
  let browserImports: string[] = [];

  beforeAll(async () => {
    const bundles = [
      { outfile: join(dir, 'index.mjs'), format: 'esm', platform: 'node' },
      { outfile: join(dir, 'index.cjs'), format: 'cjs', platform: 'node' },
      { outfile: join(dir, 'browser.mjs'), format: 'esm', platform: 'browser' },
    ] as const;
    const results = await Promise.all(bundles.map((b) => esbuild.build({
      entryPoints: [join(ROOT, 'src', 'index.ts')], bundle: true, target: 'es2022', logLevel: 'silent', metafile: true, ...b,
      plugins: b.platform === 'node' ? [nodePlatform] : [],
    })));
    for (const r of results) expect(r.warnings).toEqual([]);
    browserImports = Object.values(results[2].metafile!.outputs).flatMap((o) => o.imports.map((i) => i.path));
  }, 60_000);

  function node(args: string[], code: string): string {
    const run = spawnSync(process.execPath, [...args, '-e', code], { cwd: dir, encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`node failed:\n${run.stdout}\n${run.stderr}`);
    return run.stdout.trim();
  }

  it('the browser bundle imports nothing (no Node built-ins)', () => {
    expect(browserImports).toEqual([]);
  });

  it('CommonJS without process.getBuiltinModule (Node 20.0-20.15) saves and loads paths through require', () => {
    const out = node([], `delete process.getBuiltinModule; const torch = require('./index.cjs');
      torch.save({ a: torch.tensor([1, 2]) }, ${JSON.stringify(file)});
      console.log(JSON.stringify(torch.load(${JSON.stringify(file)}).a.tolist()));`);
    expect(out).toBe('[1,2]');
  });

  it('ES modules with process.getBuiltinModule save and load paths; without it, the error says what to do', () => {
    const code = `const torch = await import('./index.mjs');
      torch.save({ b: torch.tensor([3], { dtype: 'int64' }) }, ${JSON.stringify(file)});
      console.log(JSON.stringify(torch.load(${JSON.stringify(file)}).b.tolist()));`;
    expect(node(['--input-type=module'], code)).toBe('[3]');
    const old = node(['--input-type=module'], `delete process.getBuiltinModule; const torch = await import('./index.mjs');
      try { torch.load('x.safetensors'); } catch (e) { console.log(e.message); }`);
    expect(old).toContain('load: cannot access the file "x.safetensors": file paths need Node\'s fs');
    expect(old).toContain('torch.load(fs.readFileSync(path))');
  });
});
