// Matrix-multiply throughput (GFLOP/s, 2·m·n·k / median time) of:
//   ours SIMD / ours relaxed: assembly/gemm.ts compiled standalone (plain SIMD, and relaxed SIMD where it validates)
//   JS twin: the pure-JS backend's gemm (src/backend/js), bundled on the fly with esbuild
//   relaxed 2 threads: the built package's torch.matmul (dist/index.mjs, relaxed SIMD) with torch.setNumThreads(2)
//     (products under 2^22 flops run on one thread there)
//   tfjs-wasm: @tensorflow/tfjs-core 4.22 + tfjs-backend-wasm (SIMD, 1 thread); tfjs-cpu: tfjs-backend-cpu
// Every implementation runs in this one process, one after another for each shape, so the ratios come from
// one run. Single-threaded except the two-thread column.
//
// Usage: node bench/matmul.mjs [--sizes=64,128,...] [--only=ours,relaxed,threads,js,tfjs-wasm,tfjs-cpu] [--rnn=no]
// Never run from tests.
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import v8 from 'node:v8';

// Node 20 compiles relaxed-SIMD modules only with this flag, which must be set before compiling.
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'bench', 'out');
mkdirSync(outDir, { recursive: true });

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const SIZES = (args.sizes ?? '64,128,256,512,768,1024').split(',').map(Number);
const ONLY = args.only ? new Set(args.only.split(',')) : null;
const wanted = (name) => ONLY === null || ONLY.has(name);
/**
 * Shapes: square A·B for every size, plus one transposed layout (A·Bᵀ, the nn.Linear forward) at 512; then
 * the products of one LSTM step (input 256, hidden 256, so 4·hidden = 1024 gate rows) at batch 32 and 1:
 * gates = x·Wᵀ, dX = dGates·W, dW += dGatesᵀ·X, and the brief's 1×4·4×4.
 */
const SQUARE = [
  ...SIZES.map((n) => ({ m: n, n, k: n, transA: false, transB: false })),
  { m: 512, n: 512, k: 512, transA: false, transB: true },
];
const RNN = args.rnn === 'no' ? [] : [
  { label: 'x·Wᵀ b32', m: 32, n: 1024, k: 256, transA: false, transB: true },
  { label: 'dG·W b32', m: 32, n: 256, k: 1024, transA: false, transB: false },
  { label: 'dGᵀ·X b32', m: 1024, n: 256, k: 32, transA: true, transB: false },
  { label: 'x·Wᵀ b1', m: 1, n: 1024, k: 256, transA: false, transB: true },
  { label: 'dG·W b1', m: 1, n: 256, k: 1024, transA: false, transB: false },
  { label: 'dGᵀ·X b1', m: 1024, n: 256, k: 1, transA: true, transB: false },
  { label: '1×4·4×4', m: 1, n: 4, k: 4, transA: false, transB: false },
];

// ---------------------------------------------------------------- implementations

/** assembly/gemm.ts compiled on its own (with the gemm-*.ts files it imports), ignoring asconfig.json. */
async function compileOurs(relaxed) {
  const { default: asc } = await import('assemblyscript/asc');
  const enable = relaxed ? 'simd,relaxed-simd' : 'simd';
  const assemblyDir = join(root, 'assembly');
  let binary = null;
  const stderr = asc.createMemoryStream();
  const { error } = await asc.main(
    ['gemm.ts', '--outFile', 'gemm.wasm', '--runtime', 'stub', '--enable', enable, '-O3', '--noAssert'],
    {
      stderr,
      readFile: (name) => (/^gemm[\w-]*\.ts$/.test(name) && existsSync(join(assemblyDir, name))
        ? readFileSync(join(assemblyDir, name), 'utf8') : null),
      writeFile: (name, contents) => { if (name === 'gemm.wasm') binary = contents; },
      listFiles: () => [],
    },
  );
  if (error || !binary) throw new Error(`compiling assembly/gemm.ts (${enable}) failed: ${error}\n${stderr}`);
  writeFileSync(join(outDir, relaxed ? 'gemm.relaxed.wasm' : 'gemm.simd.wasm'), binary);
  if (!WebAssembly.validate(binary)) return null;
  const { instance } = await WebAssembly.instantiate(binary, { env: { abort() { throw new Error('abort'); } } });
  const ex = instance.exports;
  let top = 0; // bump allocator over the module's memory; reset per shape
  const alloc = (bytes) => {
    const at = (top + 15) & ~15;
    top = at + bytes;
    if (top > ex.memory.buffer.byteLength) ex.memory.grow(Math.ceil((top - ex.memory.buffer.byteLength) / 65536));
    return at;
  };
  return {
    prepare({ m, n, k, transA, transB }, A, B) {
      top = 1024;
      const pa = alloc(m * k * 4), pb = alloc(k * n * 4), pc = alloc(m * n * 4);
      const ps = alloc(ex.gemmScratchBytes(m, n, k));
      new Float32Array(ex.memory.buffer, pa, m * k).set(A);
      new Float32Array(ex.memory.buffer, pb, k * n).set(B);
      const lda = transA ? m : k, ldb = transB ? k : n;
      return {
        run: () => ex.gemm(1, m, n, k, pa, 0, lda, transA ? 1 : 0, pb, 0, ldb, transB ? 1 : 0, pc, 0, n, 0, ps),
        result: () => new Float32Array(ex.memory.buffer, pc, m * n).slice(),
        dispose() {},
      };
    },
  };
}

/** torch.matmul of the built package on two threads; the product's operands are views for transposed layouts. */
async function loadPackageTwoThreads() {
  execSync('node scripts/build.mjs --if-stale', { cwd: root, stdio: 'inherit' });
  const torch = await import(pathToFileURL(join(root, 'dist', 'index.mjs')).href);
  torch.setBackend('wasm-relaxed-simd');
  torch.setNumThreads(2);
  let started = false;
  return {
    async init() {
      // the worker starts on the first large product and is usable once it has instantiated the module
      if (started) return;
      started = true;
      const x = torch.ones(512, 512);
      for (let i = 0; i < 500 && torch.parallelInfo().threadsReady < 2; i++) {
        torch.noGrad(() => torch.matmul(x, x).dispose());
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      if (torch.parallelInfo().threadsReady < 2) throw new Error('bench/matmul: the second kernel thread did not start');
    },
    prepare({ m, n, k, transA, transB }, A, B) {
      const a = transA ? torch.tensor(Array.from(A)).view(k, m).t() : torch.tensor(Array.from(A)).view(m, k);
      const b = transB ? torch.tensor(Array.from(B)).view(n, k).t() : torch.tensor(Array.from(B)).view(k, n);
      let c = null;
      return {
        run: () => torch.noGrad(() => { c?.dispose(); c = torch.matmul(a, b); }),
        result: () => Float32Array.from(c.contiguous().toArray()),
        dispose() { c?.dispose(); a.dispose(); b.dispose(); },
      };
    },
  };
}

async function loadJsTwin() {
  const esbuild = await import('esbuild');
  const outfile = join(outDir, 'js-backend.mjs');
  await esbuild.build({
    entryPoints: [join(root, 'src', 'backend', 'js', 'index.ts')],
    bundle: true, format: 'esm', platform: 'neutral', outfile, logLevel: 'error',
  });
  const { createJsBackend } = await import(pathToFileURL(outfile).href);
  const be = createJsBackend();
  return {
    prepare({ m, n, k, transA, transB }, A, B) {
      const a = be.alloc(m * k, 'float32'), b = be.alloc(k * n, 'float32'), c = be.alloc(m * n, 'float32');
      be.write(a, 0, A);
      be.write(b, 0, B);
      const lda = transA ? m : k, ldb = transB ? k : n;
      return {
        run: () => be.gemm(1, m, n, k, a, 0, 0, lda, transA, b, 0, 0, ldb, transB, c, 0, 0, n, false),
        result: () => be.read(c, 0, m * n),
        dispose() { be.free(a); be.free(b); be.free(c); },
      };
    },
  };
}

async function loadTfjs() {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  const tfWasm = await import('@tensorflow/tfjs-backend-wasm');
  const wasmDir = join(root, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');
  tfWasm.setWasmPaths(wasmDir + '/');
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  tfWasm.setThreadsCount(1);
  const impl = (backendName) => ({
    async init() {
      if (!(await tf.setBackend(backendName))) throw new Error(`tfjs backend ${backendName} failed to initialise`);
      await tf.ready();
      if (backendName === 'wasm' && !tf.env().getBool('WASM_HAS_SIMD_SUPPORT')) {
        throw new Error('tfjs-backend-wasm runs without SIMD here; refusing to report it as the SIMD anchor');
      }
    },
    prepare({ m, n, k, transA, transB }, A, B) {
      const a = tf.tensor2d(A, transA ? [k, m] : [m, k]), b = tf.tensor2d(B, transB ? [n, k] : [k, n]);
      let last = null;
      return {
        run: () => {
          if (last) last.dispose();
          last = tf.matMul(a, b, transA, transB);
        },
        result: () => last.dataSync().slice(),
        dispose() { a.dispose(); b.dispose(); if (last) last.dispose(); },
      };
    },
  });
  return { tf, wasm: impl('wasm'), cpu: impl('cpu') };
}

// ---------------------------------------------------------------- SIMD probe

/**
 * A throughput probe: twelve f32x4 accumulators, each step c_i += v_i·w with v_i loaded from a 192-byte
 * (L1-resident) buffer; mul + add, or one relaxed_madd. Not a proof of the peak: on some cores the GEMM's own
 * inner loop issues faster than this loop.
 */
const PROBE_SOURCE = `
// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}
export function probe(iters: i32, buf: usize): f32 {
  const w = f32x4.splat(0.999);
  let c0 = f32x4.splat(0), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
  for (let i = 0; i < iters; i++) {
    c0 = madd(v128.load(buf), w, c0); c1 = madd(v128.load(buf, 16), w, c1); c2 = madd(v128.load(buf, 32), w, c2);
    c3 = madd(v128.load(buf, 48), w, c3); c4 = madd(v128.load(buf, 64), w, c4); c5 = madd(v128.load(buf, 80), w, c5);
    c6 = madd(v128.load(buf, 96), w, c6); c7 = madd(v128.load(buf, 112), w, c7); c8 = madd(v128.load(buf, 128), w, c8);
    c9 = madd(v128.load(buf, 144), w, c9); c10 = madd(v128.load(buf, 160), w, c10); c11 = madd(v128.load(buf, 176), w, c11);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(c0, c1), f32x4.add(c2, c3)), f32x4.add(f32x4.add(c4, c5), f32x4.add(c6, c7)));
  return f32x4.extract_lane(f32x4.add(s, f32x4.add(f32x4.add(c8, c9), f32x4.add(c10, c11))), 0);
}
`;

/** GFLOP/s of the probe (median of 5 runs of 2·10⁷ steps), or null where the build does not validate. */
async function simdProbe(relaxed) {
  const { default: asc } = await import('assemblyscript/asc');
  const res = await asc.compileString({ 'probe.ts': PROBE_SOURCE }, {
    runtime: 'stub', enable: relaxed ? ['simd', 'relaxed-simd'] : ['simd'], optimizeLevel: 3, noAssert: true,
  });
  if (res.error || !res.binary) throw new Error(`compiling the SIMD probe failed: ${res.stderr}`);
  if (!WebAssembly.validate(res.binary)) return null;
  const { instance } = await WebAssembly.instantiate(res.binary, { env: { abort() {} } });
  const { probe, memory } = instance.exports;
  memory.grow(1);
  const iters = 2e7;
  probe(1e5, 1024);
  const times = [];
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    probe(iters, 1024);
    times.push((performance.now() - t) / 1000);
  }
  times.sort((x, y) => x - y);
  return (iters * 12 * 8) / times[2] / 1e9;
}

// ---------------------------------------------------------------- timing

/** Median seconds per call: warm-up (≥ 3 calls and ≥ 0.3 s), then 7 samples of ≥ 25 ms each (≥ 3 on slow ones). */
function timeCall(run) {
  const now = () => performance.now() / 1000;
  let calls = 0;
  const warmStart = now();
  while (calls < 3 || now() - warmStart < 0.3) { run(); calls++; }
  const perCall = (now() - warmStart) / calls;
  const reps = Math.max(1, Math.ceil(0.025 / perCall));
  const samples = [];
  const sampleCount = perCall > 0.5 ? 3 : 7;
  for (let s = 0; s < sampleCount; s++) {
    const t = now();
    for (let r = 0; r < reps; r++) run();
    samples.push((now() - t) / reps);
  }
  samples.sort((x, y) => x - y);
  return samples[Math.floor(samples.length / 2)];
}

function randomMatrix(len, seed) {
  const out = new Float32Array(len);
  let s = seed;
  for (let i = 0; i < len; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** Largest |x − ref| relative to the largest |ref|. */
function relError(x, ref) {
  let err = 0, mag = 0;
  for (let i = 0; i < ref.length; i++) {
    err = Math.max(err, Math.abs(x[i] - ref[i]));
    mag = Math.max(mag, Math.abs(ref[i]));
  }
  return err / (mag || 1);
}

// ---------------------------------------------------------------- main

function machine() {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    const line = execSync('lscpu', { encoding: 'utf8' }).split('\n').find((l) => l.startsWith('Model name'));
    if (line) cpu = line.split(':')[1].trim();
  } catch { /* lscpu missing: keep os.cpus() */ }
  return `${cpu}, ${os.cpus().length} CPUs, Node ${process.version}, ${new Date().toISOString()}`;
}

const impls = [];
if (wanted('ours')) impls.push(['ours SIMD', await compileOurs(false)]);
if (wanted('relaxed')) {
  const relaxed = await compileOurs(true);
  if (relaxed) impls.push(['ours relaxed', relaxed]);
  else console.log('relaxed SIMD does not validate on this engine; skipped');
}
if (wanted('threads')) impls.push(['relaxed 2 threads', await loadPackageTwoThreads()]);
if (wanted('js')) impls.push(['JS twin', await loadJsTwin()]);
if (wanted('tfjs-wasm') || wanted('tfjs-cpu')) {
  const tfjs = await loadTfjs();
  if (wanted('tfjs-wasm')) impls.push(['tfjs-wasm', tfjs.wasm]);
  if (wanted('tfjs-cpu')) impls.push(['tfjs-cpu', tfjs.cpu]);
}

console.log(`# matmul GFLOP/s: ${machine()}`);
console.log(`# load average at start: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
{
  const plain = await simdProbe(false), relaxed = await simdProbe(true);
  console.log(`# SIMD probe (12 accumulators, c += v·w): mul+add ${plain.toFixed(1)} GFLOP/s` +
    (relaxed === null ? '' : `, relaxed_madd ${relaxed.toFixed(1)} GFLOP/s`));
}

const names = impls.map(([name]) => name);
const ratioCols = [
  ['ours/JS', 'ours SIMD', 'JS twin'],
  ['ours/tfjs-wasm', 'ours SIMD', 'tfjs-wasm'],
  ['relaxed/tfjs-wasm', 'ours relaxed', 'tfjs-wasm'],
  ['2 threads/relaxed', 'relaxed 2 threads', 'ours relaxed'],
].filter(([, x, y]) => names.includes(x) && names.includes(y));
const shapeName = ({ m, n, k, transA, transB }) =>
  `${transA ? `(${k}×${m})ᵀ` : `${m}×${k}`}·${transB ? `(${n}×${k})ᵀ` : `${k}×${n}`}`;
let worstErr = 0;

/** Times every implementation on each shape; returns table rows of [label, ...cells]. */
async function measure(shapes, cell) {
  const rows = [];
  for (const shape of shapes) {
    const { m, n, k } = shape;
    const A = randomMatrix(m * k, 12345 + m + k), B = randomMatrix(k * n, 777 + n + k);
    const seconds = {};
    let reference = null;
    for (const [name, impl] of impls) {
      if (impl.init) await impl.init();
      const handle = impl.prepare(shape, A, B);
      seconds[name] = timeCall(handle.run);
      const result = handle.result();
      if (reference === null) reference = result;
      else worstErr = Math.max(worstErr, relError(result, reference));
      handle.dispose();
    }
    const label = shape.label ? `${shape.label} ${shapeName(shape)}` : shapeName(shape);
    rows.push([
      label,
      ...names.map((name) => cell(shape, seconds[name])),
      ...ratioCols.map(([, x, y]) => `${(seconds[y] / seconds[x]).toFixed(1)}×`),
    ]);
    console.log(`  ${label} done`);
  }
  return rows;
}

function printTable(title, header, rows) {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells) => `| ${cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join(' | ')} |`;
  console.log();
  console.log(title);
  console.log(line(header));
  console.log(`|${widths.map((w, c) => (c === 0 ? '-' : '') + '-'.repeat(w + 1) + (c === 0 ? '' : ':')).join('|')}|`);
  for (const r of rows) console.log(line(r));
}

const ratioHeader = ratioCols.map(([label]) => label);
const gflopsCell = ({ m, n, k }, s) => ((2 * m * n * k) / s / 1e9).toFixed(2);
const microsCell = (_shape, s) => (s * 1e6).toFixed(s < 1e-4 ? 2 : 0);
const squareRows = await measure(SQUARE, gflopsCell);
const rnnRows = await measure(RNN, microsCell);
printTable('GFLOP/s (higher is better); ratios are speed-ups of the first named over the second',
  ['shape', ...names, ...ratioHeader], squareRows);
if (rnnRows.length > 0) {
  printTable('LSTM-step shapes: µs per call (lower is better); ratios as above',
    ['product', ...names, ...ratioHeader], rnnRows);
}
console.log();
console.log(`# load average at end: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
console.log(`# largest difference from the first implementation's result, relative to max |C|: ${worstErr.toExponential(1)}`);
