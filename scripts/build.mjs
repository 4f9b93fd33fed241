// Builds everything a user or a test needs from a fresh clone:
//   1. the WebAssembly kernels (scripts/build-wasm.mjs), embedded as base64 modules under src/backend/wasm/generated/
//   2. bundles with esbuild: dist/index.mjs (Node ESM), dist/index.cjs (Node CommonJS), dist/browser.mjs (browsers
//      and bundlers; no Node built-ins)
//   3. type declarations with tsc into dist/types/
// Usage: node scripts/build.mjs [--if-stale]   (--if-stale skips the steps whose outputs are newer than their inputs)
import { spawnSync } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ifStale = process.argv.includes('--if-stale');

function run(cmd, args) {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`build: ${cmd} ${args.join(' ')} failed with exit code ${result.status}`);
}

async function filesUnder(dir) {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)])));
  return nested.flat();
}

async function mtime(path) {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return -Infinity;
  }
}

async function stale(inputs, outputs) {
  const newest = Math.max(...(await Promise.all(inputs.map(mtime))));
  const oldest = Math.min(...(await Promise.all(outputs.map(mtime))));
  return oldest <= newest;
}

run(process.execPath, [join(root, 'scripts', 'build-wasm.mjs'), ...(ifStale ? ['--if-stale'] : [])]);

const sources = [...(await filesUnder(join(root, 'src'))), fileURLToPath(import.meta.url)];
const bundles = [
  { outfile: 'dist/index.mjs', format: 'esm', platform: 'node' },
  { outfile: 'dist/index.cjs', format: 'cjs', platform: 'node' },
  { outfile: 'dist/browser.mjs', format: 'esm', platform: 'browser' },
];
if (!ifStale || (await stale(sources, bundles.map((b) => join(root, b.outfile))))) {
  await Promise.all(bundles.map((b) => esbuild.build({
    entryPoints: [join(root, 'src', 'index.ts')],
    outfile: join(root, b.outfile),
    bundle: true,
    format: b.format,
    platform: b.platform,
    target: 'es2022',
    sourcemap: true,
    logLevel: 'warning',
  })));
  console.log('build: bundles written to dist/');
}

const types = join(root, 'dist', 'types', 'index.d.ts');
if (!ifStale || (await stale(sources, [types]))) {
  run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json', '--emitDeclarationOnly']);
  console.log('build: type declarations written to dist/types/');
}
