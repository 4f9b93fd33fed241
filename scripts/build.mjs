// Builds everything a user or a test needs from a fresh clone:
//   1. the WebAssembly kernels (scripts/build-wasm.mjs), embedded as base64 modules under src/backend/wasm/generated/
//   2. bundles with esbuild: dist/index.mjs (Node ESM), dist/index.cjs (Node CommonJS), dist/browser.mjs (browsers,
//      Web Workers and bundlers; no Node built-ins). The Node bundles take src/platform-node.ts where the sources
//      import ./platform.js (Node 20 relaxed SIMD, file: URLs); the browser bundle keeps the portable src/platform.ts.
//   3. the two .wasm builds as files, dist/wasm/ (for torch.ready({ wasmUrl }))
//   4. type declarations with tsc into dist/types/, marked CommonJS by dist/types/package.json so that one tree
//      serves `require` under TypeScript's node16/nodenext resolution as well as `import` (the package has no
//      default export, so CommonJS-typed declarations describe both builds)
// Every output is written to a temporary name and renamed into place, so a test reading dist/ while another
// process rebuilds it never sees half a file.
// Usage: node scripts/build.mjs [--if-stale]   (--if-stale skips the steps whose outputs are newer than their inputs)
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, readdir, rename, stat, writeFile } from 'node:fs/promises';
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

/** Writes `contents` to `path` atomically (a temporary file in the same folder, then a rename). */
async function writeAtomic(path, contents) {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, contents);
  await rename(temporary, path);
}

/** Resolves src/platform.js imported from anywhere in src/ to src/platform-node.ts (esbuild plugin for the Node bundles). */
const nodePlatform = {
  name: 'wasmtorch-node-platform',
  setup(build) {
    build.onResolve({ filter: /^(\.\.?\/)+platform\.js$/ }, (args) => (
      args.importer.startsWith(join(root, 'src')) && join(args.resolveDir, args.path) === join(root, 'src', 'platform.js')
        ? { path: join(root, 'src', 'platform-node.ts') }
        : undefined
    ));
  },
};

run(process.execPath, [join(root, 'scripts', 'build-wasm.mjs'), ...(ifStale ? ['--if-stale'] : [])]);

const sources = [...(await filesUnder(join(root, 'src'))), fileURLToPath(import.meta.url)];
const bundles = [
  { outfile: 'dist/index.mjs', format: 'esm', platform: 'node' },
  { outfile: 'dist/index.cjs', format: 'cjs', platform: 'node' },
  { outfile: 'dist/browser.mjs', format: 'esm', platform: 'browser' },
];
if (!ifStale || (await stale(sources, bundles.map((b) => join(root, b.outfile))))) {
  await Promise.all(bundles.map(async (b) => {
    const result = await esbuild.build({
      entryPoints: [join(root, 'src', 'index.ts')],
      outfile: join(root, b.outfile),
      bundle: true,
      format: b.format,
      platform: b.platform,
      plugins: b.platform === 'node' ? [nodePlatform] : [],
      target: 'es2022',
      write: false,
      logLevel: 'warning',
    });
    for (const file of result.outputFiles) await writeAtomic(file.path, file.contents);
  }));
  console.log('build: bundles written to dist/');
}

const wasmFiles = ['simd', 'relaxed'].map((v) => [join(root, 'build', `wasmtorch.${v}.wasm`), join(root, 'dist', 'wasm', `${v}.wasm`)]);
if (!ifStale || (await stale(wasmFiles.map(([from]) => from), wasmFiles.map(([, to]) => to)))) {
  await mkdir(join(root, 'dist', 'wasm'), { recursive: true });
  for (const [from, to] of wasmFiles) {
    await copyFile(from, `${to}.${process.pid}.tmp`);
    await rename(`${to}.${process.pid}.tmp`, to);
  }
  console.log('build: dist/wasm/simd.wasm and dist/wasm/relaxed.wasm written');
}

const types = join(root, 'dist', 'types', 'index.d.ts');
if (!ifStale || (await stale(sources, [types]))) {
  run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json', '--emitDeclarationOnly']);
  await writeAtomic(join(root, 'dist', 'types', 'package.json'), '{ "type": "commonjs" }\n');
  console.log('build: type declarations written to dist/types/');
}
