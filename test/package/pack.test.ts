// The package as users get it: `npm pack`, unpacked into a temporary node_modules/wasmtorch (it has no runtime
// dependencies, so no install is needed), then imported from Node ESM and CommonJS in child processes, typed
// by tsc under node16 resolution, and bundled by esbuild for browsers.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'wasmtorch-pack-'));
const installed = join(work, 'node_modules', 'wasmtorch');

interface PackedFile { path: string; size: number }
interface PackResult { filename: string; size: number; unpackedSize: number; files: PackedFile[] }
let packed: PackResult;

/** What every consumer script prints: the backend and a fixed-seed computation through matmul, tanh, softmax. */
const PROGRAM = `
torch.manualSeed(0);
const x = torch.randn(3, 5);
const w = torch.randn(5, 4, { requiresGrad: true });
const y = x.matmul(w).tanh().softmax(1);
y.sum(0).max().backward();
const out = { backend: torch.backend(), y: Array.from(y.toArray()), grad: Array.from(w.grad.toArray()) };
`;

interface Result { backend: string; y: number[]; grad: number[]; wasmUrlBackend?: string }

/** Runs `file` (in the temp project) with Node; `env` entries set to undefined are removed. */
function runNode(file: string, { args = [], env = {} }: { args?: string[]; env?: Record<string, string | undefined> } = {}): Result {
  const childEnv: Record<string, string | undefined> = { ...process.env, WASMTORCH_NO_RELAXED_SIMD: undefined, ...env };
  for (const key of Object.keys(childEnv)) if (childEnv[key] === undefined) delete childEnv[key];
  const result = spawnSync(process.execPath, [...args, file], { cwd: work, env: childEnv as NodeJS.ProcessEnv, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`node ${file} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as Result;
}

beforeAll(() => {
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--if-stale'], { cwd: root, stdio: 'pipe' });
  const json = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {
    cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
  });
  packed = (JSON.parse(json) as PackResult[])[0]!;
  mkdirSync(installed, { recursive: true });
  execFileSync('tar', ['-xzf', join(work, packed.filename), '-C', installed, '--strip-components=1']);
  writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  writeFileSync(join(work, 'esm.mjs'), `import * as torch from 'wasmtorch';\n${PROGRAM}\nconsole.log(JSON.stringify(out));\n`);
  writeFileSync(join(work, 'cjs.cjs'), `const torch = require('wasmtorch');\n${PROGRAM}\nconsole.log(JSON.stringify(out));\n`);
  // an engine whose WebAssembly lacks SIMD validates neither build
  writeFileSync(join(work, 'no-simd.cjs'), `WebAssembly.validate = () => false;\nconst torch = require('wasmtorch');\n${PROGRAM}\nconsole.log(JSON.stringify(out));\n`);
  // two threads through the installed bundles (their Node platform starts the kernel worker): a product large
  // enough to be split, on one thread and then on two once the worker is ready
  const THREADS = `
const a = torch.randn(300, 200), b = torch.randn(200, 260);
torch.setNumThreads(1);
const one = Array.from(torch.matmul(a, b).toArray());
torch.setNumThreads(2);
for (let i = 0; i < 300 && torch.parallelInfo().threadsReady < 2; i++) { torch.matmul(a, b); await new Promise((r) => setTimeout(r, 10)); }
const two = Array.from(torch.matmul(a, b).toArray());
console.log(JSON.stringify({ info: torch.parallelInfo(), same: one.length === two.length && one.every((v, i) => Object.is(v, two[i])) }));
`;
  writeFileSync(join(work, 'threads.mjs'), `import * as torch from 'wasmtorch';\n${THREADS}`);
  writeFileSync(join(work, 'threads.cjs'), `const torch = require('wasmtorch');\n(async () => {\n${THREADS}\n})();\n`);
  writeFileSync(join(work, 'wasm-url.mjs'), `import * as torch from 'wasmtorch';
await torch.ready({ wasmUrl: new URL(import.meta.resolve('wasmtorch/wasm/simd.wasm')) });
${PROGRAM}\nconsole.log(JSON.stringify(out));\n`);
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('npm pack', () => {
  it('holds only dist/, the README and package.json', () => {
    const paths = packed.files.map((f) => f.path);
    const unexpected = paths.filter((p) => !p.startsWith('dist/') && !['package.json', 'README.md'].includes(p) && !/^LICEN[CS]E/.test(p));
    expect(unexpected).toEqual([]);
    expect(paths.filter((p) => p.endsWith('.map'))).toEqual([]);
    for (const needed of ['dist/index.mjs', 'dist/index.cjs', 'dist/browser.mjs', 'dist/types/index.d.ts',
      'dist/types/package.json', 'dist/wasm/simd.wasm', 'dist/wasm/relaxed.wasm']) {
      expect(paths).toContain(needed);
    }
    console.log(`npm pack: ${packed.filename} ${(packed.size / 1024).toFixed(1)} KiB packed, ` +
      `${(packed.unpackedSize / 1024).toFixed(1)} KiB unpacked, ${paths.length} files`);
  });
});

describe('Node', () => {
  it('imports from ESM and CommonJS with no set-up, picking relaxed SIMD (Node 20: wasmtorch sets the V8 flag)', () => {
    const esm = runNode('esm.mjs');
    const cjs = runNode('cjs.cjs');
    expect(esm.backend).toBe('wasm-relaxed-simd');
    expect(cjs.backend).toBe('wasm-relaxed-simd');
    expect(cjs.y).toEqual(esm.y);
    expect(cjs.grad).toEqual(esm.grad);
    expect(esm.y.length).toBe(12);
  });

  it('WASMTORCH_NO_RELAXED_SIMD=1 keeps the plain SIMD build; without WebAssembly or its SIMD the pure-JS kernels run', () => {
    const relaxed = runNode('esm.mjs');
    const simd = runNode('esm.mjs', { env: { WASMTORCH_NO_RELAXED_SIMD: '1' } });
    const noWasm = runNode('cjs.cjs', { args: ['--no-expose-wasm'] });
    const noSimd = runNode('no-simd.cjs');
    expect(simd.backend).toBe('wasm-simd');
    expect(noWasm.backend).toBe('js');
    expect(noSimd.backend).toBe('js');
    for (const other of [simd, noWasm, noSimd]) {
      other.y.forEach((v, i) => expect(v).toBeCloseTo(relaxed.y[i]!, 6));
      other.grad.forEach((v, i) => expect(v).toBeCloseTo(relaxed.grad[i]!, 6));
    }
  });

  it('runs large products on two threads from ESM and CommonJS, with one thread\'s bits, and exits on its own', () => {
    for (const file of ['threads.mjs', 'threads.cjs']) {
      const run = runNode(file) as unknown as { info: { numThreads: number; threadsReady: number; sharedMemory: boolean }; same: boolean };
      expect(run.info).toEqual({ numThreads: 2, threadsReady: 2, sharedMemory: true });
      expect(run.same).toBe(true);
    }
  });

  it('ready({ wasmUrl }) loads the served .wasm (the wasmtorch/wasm/simd.wasm export) asynchronously', () => {
    const viaUrl = runNode('wasm-url.mjs');
    const embedded = runNode('esm.mjs', { env: { WASMTORCH_NO_RELAXED_SIMD: '1' } });
    expect(viaUrl.backend).toBe('wasm-simd');
    expect(viaUrl.y).toEqual(embedded.y);
  });
});

describe('TypeScript', () => {
  it('finds the declarations for import and for require under node16 resolution', () => {
    writeFileSync(join(work, 'typed.mts'), `import * as torch from 'wasmtorch';
import { nn, type Tensor } from 'wasmtorch';
const t: Tensor = torch.zeros(2, 3);
const layer = new nn.Linear(3, 1);
const name: 'js' | 'wasm-simd' | 'wasm-relaxed-simd' = torch.backend();
await torch.ready({ wasmUrl: { simd: 'simd.wasm', relaxed: 'relaxed.wasm' } });
export { t, layer, name };\n`);
    writeFileSync(join(work, 'typed.cts'), `import torch = require('wasmtorch');
const t: torch.Tensor = torch.ones(2);
export = t;\n`);
    writeFileSync(join(work, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        module: 'node16', moduleResolution: 'node16', target: 'es2022', strict: true, noEmit: true,
        lib: ['es2022', 'dom', 'esnext.disposable'], types: [], typeRoots: [],
      },
      files: ['typed.mts', 'typed.cts'],
    }));
    const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', work], { encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  });
});

describe('bundlers', () => {
  const entry = `import * as torch from 'wasmtorch';\nconst t = torch.ones(2, 2).matmul(torch.ones(2, 2));\nconsole.log(JSON.stringify({ backend: torch.backend(), values: Array.from(t.toArray()) }));\n`;

  it('esbuild for the browser takes dist/browser.mjs and pulls in no Node built-ins', async () => {
    writeFileSync(join(work, 'entry.mjs'), entry);
    const result = await esbuild.build({
      entryPoints: [join(work, 'entry.mjs')], absWorkingDir: work, bundle: true, platform: 'browser', format: 'esm',
      outfile: join(work, 'out', 'browser-bundle.mjs'), metafile: true, logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs).toContain('node_modules/wasmtorch/dist/browser.mjs');
    const external = Object.values(result.metafile.inputs).flatMap((i) => i.imports.filter((imp) => imp.external && imp.path !== '<runtime>'));
    expect(external).toEqual([]);
    const code = readFileSync(join(work, 'out', 'browser-bundle.mjs'), 'utf8');
    expect(code).not.toMatch(/\b(from|import|require)\s*\(?\s*["']node:/);
    // The portable bundle runs anywhere, Node included, but never sets the Node-only relaxed-SIMD flag:
    // Node 20 then validates plain SIMD only (Node >= 21 has relaxed SIMD on by default).
    const run = spawnSync(process.execPath, [join(work, 'out', 'browser-bundle.mjs')], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    const nodeMajor = Number(process.versions.node.split('.')[0]);
    const backend = nodeMajor >= 21 ? 'wasm-relaxed-simd' : 'wasm-simd';
    expect(JSON.parse(run.stdout)).toEqual({ backend, values: [2, 2, 2, 2] });
  });

  it('esbuild for Node takes the Node ESM build', async () => {
    const result = await esbuild.build({
      entryPoints: [join(work, 'entry.mjs')], absWorkingDir: work, bundle: true, platform: 'node', format: 'esm',
      write: false, metafile: true, logLevel: 'silent',
    });
    expect(Object.keys(result.metafile.inputs)).toContain('node_modules/wasmtorch/dist/index.mjs');
  });
});
