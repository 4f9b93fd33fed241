// The benchmark suite (`npm run bench`): one table per workload with wasmtorch (the built package on its WASM
// SIMD, WASM relaxed-SIMD and pure-JS backends) and the anchors measured in the same run: TensorFlow.js 4.22
// (wasm and cpu backends) and PyTorch (/usr/bin/python3, one thread) both with the OpenBLAS kernels it picks for
// this CPU and with OPENBLAS_CORETYPE=Prescott (the SSE3 kernels the issue's figures were taken with). Every
// column runs on one thread, except the two-thread ones: ours with torch.setNumThreads(2) and PyTorch with
// OPENBLAS_NUM_THREADS=2 (torch.set_num_threads(1): PyTorch's fastest two-core setup here, see suite_torch.py),
// on the workloads large enough to be split (matmul, rnn, charlm).
//
// Every figure comes from its own child process (bench/suite-ours.mjs, bench/suite-tfjs.mjs,
// bench/suite_torch.py), run one after another, never in parallel; each is a median after warm-up
// (bench/suite-timing.mjs). Workloads:
//   matmul   512×512·512×512 GFLOP/s
//   rnn      LSTM / GRU / RNN-tanh training step (seq 32, batch 32, input 64, hidden 256, MSE, Adam), ms
//   hello    the hello→ohlol RNNCell epoch (examples/04: 4→4, 5 steps, summed cross-entropy, Adam), µs
//   add      one add of two [1, 4] tensors with grad tracking on and off, µs per op
//   names    one iteration of the names tutorial's RNN (examples/names/classify.mjs), µs
//   charlm   examples/char-lm's training step (2-layer LSTM 256, seq 100, batch 32), tokens/s
//
// Usage: node bench/run.mjs [--quick] [--only=matmul,rnn,hello,add,names,charlm]
// Never run from tests.
import { execSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from './suite-timing.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = parseArgs(process.argv.slice(2));
const QUICK = args.quick === 'true';
const PYTHON = '/usr/bin/python3';

/** Each workload: its metrics (key in the worker's result, label, unit, whether higher is better). */
const WORKLOADS = {
  matmul: { title: 'matmul 512×512·512×512', worker: 'matmul', metrics: [['gflops', 'GFLOP/s', true]] },
  rnn: {
    title: 'Recurrent training step (seq 32, batch 32, input 64, hidden 256, MSE loss, Adam)',
    worker: 'recurrent',
    metrics: [['lstm.ms', 'LSTM ms', false], ['gru.ms', 'GRU ms', false], ['rnn.ms', 'RNN-tanh ms', false]],
  },
  hello: { title: 'hello→ohlol epoch (RNNCell 4→4, 5 steps, summed cross-entropy, Adam)', worker: 'hello', metrics: [['us', 'µs/epoch', false]] },
  add: {
    title: 'One add of two [1, 4] tensors',
    worker: 'add',
    metrics: [['gradOn.us', 'grad on µs', false], ['gradOff.us', 'grad off µs', false]],
  },
  names: {
    title: 'Names classifier iteration (i2h/i2o Linear over cat(input, hidden), hidden 128, 57 letters, 18 classes, 7 letters, NLLLoss, hand SGD)',
    worker: 'names',
    metrics: [['us', 'µs/iteration', false]],
  },
  charlm: {
    title: 'char-LSTM training (examples/char-lm: embedding 64, 2-layer LSTM 256, dropout 0.2, seq 100, batch 32, clip, Adam)',
    worker: 'charlm',
    metrics: [['tokensPerSecond', 'tokens/s', true]],
  },
};
const ONLY = args.only ? args.only.split(',') : Object.keys(WORKLOADS);
for (const key of ONLY) {
  if (!WORKLOADS[key]) throw new Error(`bench/run: unknown workload ${JSON.stringify(key)} in --only; expected some of ${Object.keys(WORKLOADS).join(', ')}`);
}

// ---------------------------------------------------------------- implementations

const node = (script, extra, env = {}) => ({ cmd: process.execPath, argv: (w) => [join(root, 'bench', script), ...extra, `--workload=${w}`, ...(QUICK ? ['--quick'] : [])], env });
// more than one thread: OpenBLAS's threads only (torch's OpenMP threads at 1), PyTorch's fastest setup here
const torchEnv = (coreType, threads = 1) => ({
  OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: '1', WASMTORCH_BENCH_TORCH_THREADS: '1', OPENBLAS_VERBOSE: '2', OPENBLAS_CORETYPE: coreType,
});
const python = (coreType, threads) => ({ cmd: PYTHON, argv: (w) => [join(root, 'bench', 'suite_torch.py'), w, ...(QUICK ? ['--quick'] : [])], env: torchEnv(coreType, threads) });
/** Two-thread columns run only where the work is large enough to be split. */
const SMALL_WORKLOADS = { hello: 'one thread (too small to split)', add: 'one thread (too small to split)', names: 'one thread (too small to split)' };

/** Columns in table order; `skip` names workloads an implementation does not run (with the reason). */
const IMPLS = [
  { key: 'relaxed', name: 'ours wasm-relaxed-simd', ...node('suite-ours.mjs', ['--backend=wasm-relaxed-simd']) },
  { key: 'relaxed-2t', name: 'ours wasm-relaxed-simd, 2 threads', ...node('suite-ours.mjs', ['--backend=wasm-relaxed-simd', '--threads=2']), skip: SMALL_WORKLOADS },
  { key: 'simd', name: 'ours wasm-simd', ...node('suite-ours.mjs', ['--backend=wasm-simd'], { WASMTORCH_NO_RELAXED_SIMD: '1' }) },
  { key: 'js', name: 'ours JS twin', ...node('suite-ours.mjs', ['--backend=js']) },
  { key: 'torch', name: 'PyTorch (default OpenBLAS)', ...python(undefined), torch: true },
  { key: 'prescott', name: 'PyTorch (OPENBLAS_CORETYPE=Prescott)', ...python('Prescott'), torch: true },
  { key: 'torch-2t', name: 'PyTorch (default OpenBLAS), 2 OpenBLAS threads', ...python(undefined, 2), torch: true, skip: SMALL_WORKLOADS },
  { key: 'tfjs-wasm', name: 'tfjs-wasm', ...node('suite-tfjs.mjs', ['--backend=wasm']), skip: { names: 'not run (ours vs PyTorch only)', charlm: 'not run (ours vs PyTorch only)' } },
  { key: 'tfjs-cpu', name: 'tfjs-cpu', ...node('suite-tfjs.mjs', ['--backend=cpu']), skip: { names: 'not run (ours vs PyTorch only)', charlm: 'not run (ours vs PyTorch only)' } },
];
if (QUICK) IMPLS.find((i) => i.key === 'js').skip = { charlm: 'skipped in --quick (one step takes tens of seconds)' };

function machine() {
  const lscpu = (() => { try { return execSync('lscpu', { encoding: 'utf8' }); } catch { return ''; } })();
  const model = /^Model name:\s*(.+)$/m.exec(lscpu)?.[1] ?? os.cpus()[0]?.model ?? 'unknown CPU';
  const uptime = (() => { try { return execSync('uptime', { encoding: 'utf8' }).trim(); } catch { return `load average ${os.loadavg().map((x) => x.toFixed(2)).join(', ')}`; } })();
  return { model, cpus: os.cpus().length, uptime };
}

/** PyTorch's version, or null (with the reason) when /usr/bin/python3 cannot import torch. */
function torchAvailable() {
  if (!existsSync(PYTHON)) return { ok: false, why: `${PYTHON} not found` };
  const r = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  return r.status === 0 ? { ok: true, version: r.stdout.trim() } : { ok: false, why: `${PYTHON} cannot import torch` };
}

/** Runs one implementation on one workload in a child process: its result object, or { error }. */
function runOne(impl, workload) {
  const env = { ...process.env, ...impl.env };
  for (const [k, v] of Object.entries(impl.env)) if (v === undefined) delete env[k];
  const r = spawnSync(impl.cmd, impl.argv(workload), { cwd: root, env, encoding: 'utf8', timeout: 15 * 60 * 1000, maxBuffer: 1 << 24 });
  const line = r.stdout?.trim().split('\n').reverse().find((l) => l.startsWith('{'));
  if (r.status !== 0 || !line) {
    const why = r.error ? r.error.message : (r.stderr || r.stdout || '').trim().split('\n').filter((l) => /error/i.test(l))[0] ?? `exit ${r.status}`;
    return { error: why.slice(0, 160) };
  }
  const parsed = JSON.parse(line);
  const core = /Core: (\w+)/.exec(r.stderr ?? '')?.[1];
  return { ...parsed.result, impl: parsed.impl, core };
}

const get = (obj, path) => path.split('.').reduce((o, k) => (o == null ? undefined : o[k]), obj);
const fmt = (v) => (v === undefined ? '—' : v >= 1000 ? v.toFixed(0) : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

function printTable(header, rows) {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells) => `| ${cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w, c) => (c === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const r of rows) console.log(line(r));
}

/**
 * One workload's table: a row per implementation, a column per metric, then per metric the speed-up of ours
 * (relaxed SIMD, the Node default) over that row: > 1 means ours is faster.
 */
function table(workload, results, clock) {
  const { metrics } = WORKLOADS[workload];
  const ours = results.relaxed;
  const ours2 = results['relaxed-2t']?.skipped || results['relaxed-2t']?.error ? undefined : results['relaxed-2t'];
  const short = (label) => label.split(' ').slice(0, -1).join(' ');
  const header = ['implementation', ...metrics.map(([, label]) => label),
    ...metrics.map(([, label]) => (metrics.length > 1 ? `ours× ${short(label)}` : 'ours relaxed ×')),
    ...(ours2 ? metrics.map(([, label]) => (metrics.length > 1 ? `ours 2t× ${short(label)}` : 'ours 2 threads ×')) : [])];
  const rows = [];
  const notes = [];
  for (const impl of IMPLS) {
    const r = results[impl.key];
    if (!r) continue;
    if (r.skipped || r.error) { notes.push(`${impl.name}: ${r.skipped ?? `failed (${r.error})`}`); continue; }
    const name = impl.torch
      ? `PyTorch ${r.impl.split(' ')[1]} (${r.core ?? '?'}, ${impl.key === 'prescott' ? 'forced by OPENBLAS_CORETYPE' : 'its default'}${impl.key === 'torch-2t' ? ', 2 OpenBLAS threads' : ''})`
      : impl.name;
    rows.push([
      name,
      ...metrics.map(([path, , higher]) => {
        const v = get(r, path);
        const waited = v && clock === 'wall' && (higher ? v.cpu / v.wall : v.wall / v.cpu) > 1.1;
        return `${fmt(v?.[clock])}${waited ? '*' : ''}`;
      }),
      ...[ours, ...(ours2 ? [ours2] : [])].flatMap((mineAll) => metrics.map(([path, , higher]) => {
        const mine = get(mineAll, path)?.[clock], theirs = get(r, path)?.[clock];
        if (mine === undefined || theirs === undefined) return '—';
        return `${(higher ? mine / theirs : theirs / mine).toFixed(2)}×`;
      })),
    ]);
  }
  printTable(header, rows);
  return notes;
}

// ---------------------------------------------------------------- run

if (!existsSync(join(root, 'dist', 'index.mjs'))) throw new Error('bench/run: dist/index.mjs is missing; run `npm run build` first');
const m = machine();
console.log(`# wasmtorch benchmark suite${QUICK ? ' (--quick)' : ''}, ${new Date().toISOString()}`);
console.log(`# machine: ${m.model}, ${m.cpus} CPUs; Node ${process.version}`);
console.log(`# uptime: ${m.uptime}`);
console.log(`# command: node bench/run.mjs ${process.argv.slice(2).join(' ')}`.trimEnd());
const torch = torchAvailable();
if (!torch.ok) {
  console.log(`# PyTorch: skipped (${torch.why}); install python3-torch for the PyTorch anchor`);
  for (const impl of IMPLS.filter((i) => i.torch)) impl.skip = Object.fromEntries(ONLY.map((w) => [w, `skipped (${torch.why})`]));
}
console.log('# every figure: median after warm-up, one child process per implementation and workload, run one at a time;');
console.log('# "ours relaxed ×" columns: speed-up of ours (wasm-relaxed-simd, one thread) over that row, > 1 = ours faster;');
console.log('# "ours 2 threads ×" / "ours 2t×": the same for ours on two threads (torch.setNumThreads(2))');

for (const workload of ONLY) {
  const spec = WORKLOADS[workload];
  console.log(`\n## ${spec.title}`);
  process.stderr.write(`[bench] ${workload}: load ${os.loadavg()[0].toFixed(2)} at start\n`);
  const results = {};
  for (const impl of IMPLS) {
    const skip = impl.skip?.[workload];
    if (skip) { results[impl.key] = { skipped: skip }; continue; }
    const t = performance.now();
    results[impl.key] = runOne(impl, spec.worker);
    process.stderr.write(`[bench]   ${impl.name}: ${results[impl.key].error ? `failed: ${results[impl.key].error}` : 'done'} (${((performance.now() - t) / 1000).toFixed(1)} s)\n`);
  }
  console.log('Wall clock:');
  table(workload, results, 'wall');
  console.log('  (* wall clock over 10% above the CPU time: the process waited for a core while timed)');
  console.log('\nCPU time of the process (counts only the time it ran; less disturbed by other load):');
  const notes = table(workload, results, 'cpu');
  for (const n of notes) console.log(`  note: ${n}`);
  console.log(`  load average after: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
}
