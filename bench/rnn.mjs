// Recurrent training throughput: ms per training step (forward + backward + Adam step) of a one-layer
// LSTM, GRU and RNN (tanh) at seq 32, batch 32, input 64, hidden 256 with an MSE loss, and µs per epoch of the
// course's hello -> ohlol RNNCell lesson (examples/04: 5 hand-stepped cell calls, cross-entropy, Adam lr 0.1).
//
// Implementations, one after another in this process (PyTorch in a child process), so ratios come from one run:
//   wasm-simd / wasm-relaxed-simd: the built package (dist/index.mjs) with its fused recurrent kernels, on one
//     thread; `wasm-relaxed-simd:2t`: the same on two threads (torch.setNumThreads(2))
//   js: the same package on the pure-JS backend (its fused kernels' typed-array twin)
//   composite: the layers composed from primitive ops (src/nn/rnn-reference.ts, one op per gate per step),
//     bundled from src/ on the fly, on the best wasm build: what the fused op replaced
//   PyTorch 1.13 (/usr/bin/python3, OPENBLAS_NUM_THREADS=1, torch.set_num_threads(1)) with the OpenBLAS kernels
//     it picks for this CPU (AVX-512 ones on an AVX-512 machine), and `torch-prescott`: the same with
//     OPENBLAS_CORETYPE=Prescott (SSE3 kernels, ≈ 32 GFLOP/s: the configuration of the issue's anchor figures,
//     LSTM 84.5 / GRU 65.2 / RNN 21.9 ms, measured where OpenBLAS picked Prescott by itself)
// Ratios are to the first PyTorch column.
// Every figure is the median over timed iterations after warm-up; the machine's load is printed with it.
//
// Usage: node bench/rnn.mjs [--only=lstm,gru,rnn,hello]
//                           [--impls=wasm-simd,wasm-relaxed-simd,wasm-relaxed-simd:2t,js,composite,torch,torch-prescott]
//                           [--steps=N]   (timed training steps per model, default 15; js runs 2)
// Never run from tests.
import { execSync, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import v8 from 'node:v8';

// Node 20 compiles relaxed-SIMD modules only with this flag, set before any module is compiled.
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'bench', 'out');
mkdirSync(outDir, { recursive: true });

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const ONLY = (args.only ?? 'lstm,gru,rnn,hello').split(',');
const IMPLS = (args.impls ?? 'wasm-simd,wasm-relaxed-simd,wasm-relaxed-simd:2t,js,composite,torch,torch-prescott').split(',');
const STEPS = Number(args.steps ?? 15);
const SIZE = { seq: 32, batch: 32, input: 64, hidden: 256 };
const MODELS = [
  { key: 'lstm', label: 'LSTM step (ms)', ctor: 'LSTM', ref: 'lstmLayer' },
  { key: 'gru', label: 'GRU step (ms)', ctor: 'GRU', ref: 'gruLayer' },
  { key: 'rnn', label: 'RNN tanh step (ms)', ctor: 'RNN', ref: 'rnnTanhLayer' },
].filter((m) => ONLY.includes(m.key));

const now = () => performance.now();
const median = (xs) => {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

/** CPU time (user + system) of this process in ms. */
const cpuNow = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/**
 * Medians of wall-clock and CPU ms per call of `run` over `timed` calls, after at least `warmup` calls and
 * 300 ms of warm-up (the wasm code tiers up to optimised code while it runs).
 */
function time(run, warmup, timed) {
  const start = now();
  for (let i = 0; i < warmup || now() - start < 300; i++) run();
  const wall = [];
  const cpu = [];
  for (let i = 0; i < timed; i++) {
    const t = now();
    const c = cpuNow();
    run();
    wall.push(now() - t);
    cpu.push(cpuNow() - c);
  }
  return { wall: median(wall), cpu: median(cpu) };
}

// ---------------------------------------------------------------- wasmtorch

/** One training step of a one-layer recurrent model; `layer` (optional) replaces the module's forward. */
export function trainingStep(torch, model, layer) {
  const { seq, batch, input, hidden } = SIZE;
  torch.manualSeed(0);
  const m = new torch.nn[model.ctor](input, hidden);
  const x = torch.randn(seq, batch, input);
  const target = torch.randn(seq, batch, hidden);
  const states = (model.ctor === 'LSTM' ? [0, 1] : [0]).map(() => torch.zeros(batch, hidden));
  const criterion = new torch.nn.MSELoss();
  const optimizer = new torch.optim.Adam(m.parameters(), { lr: 1e-3 });
  const weights = { wIh: m.weight_ih_l0, wHh: m.weight_hh_l0, bIh: m.bias_ih_l0, bHh: m.bias_hh_l0 };
  return () => {
    optimizer.zeroGrad();
    const out = layer ? layer(x, states, weights, false)[0] : m.forward(x)[0];
    criterion.forward(out, target).backward();
    optimizer.step();
  };
}

/**
 * One epoch of examples/04-hello-rnncell.mjs, printing left out (its max and item() calls kept); `cellFn`
 * (optional) replaces the cell's forward.
 */
export function helloEpoch(torch, cellFn) {
  const hello = { xData: [1, 0, 2, 2, 3], yData: [3, 1, 2, 3, 2] };
  const eye = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]];
  torch.manualSeed(0);
  const inputs = torch.Tensor(hello.xData.map((i) => eye[i])).view(-1, 1, 4);
  const labels = torch.LongTensor(hello.yData).view(-1, 1);
  const cell = new torch.nn.RNNCell({ inputSize: 4, hiddenSize: 4 });
  const criterion = new torch.nn.CrossEntropyLoss();
  const optimizer = new torch.optim.Adam(cell.parameters(), { lr: 0.1 });
  const weights = { wIh: cell.weight_ih, wHh: cell.weight_hh, bIh: cell.bias_ih, bHh: cell.bias_hh };
  return () => {
    let loss = torch.zeros([]);
    optimizer.zeroGrad();
    let hidden = torch.zeros(1, 4);
    for (const [input, label] of torch.zip(inputs, labels)) {
      hidden = cellFn ? cellFn(input, hidden, weights, false) : cell.forward(input, hidden);
      loss = loss.add(criterion.forward(hidden, label));
      const [, idx] = hidden.max(1);
      idx.item();
    }
    loss.backward();
    optimizer.step();
    loss.item();
  };
}

function measureOurs(torch, backendName, reference, threads = 1) {
  torch.setBackend(backendName);
  torch.setNumThreads(threads);
  const js = backendName === 'js';
  const result = {};
  for (const model of MODELS) {
    const step = trainingStep(torch, model, reference?.[model.ref]);
    result[model.key] = time(step, js ? 1 : 3, js ? 2 : STEPS);
  }
  if (ONLY.includes('hello')) {
    const { wall, cpu } = time(helloEpoch(torch, reference?.rnnCell), js ? 200 : 500, js ? 300 : 1000);
    result.hello = { wall: 1000 * wall, cpu: 1000 * cpu };
  }
  return result;
}

/** src/ bundled with the composed reference layers exposed (for the `composite` column). */
async function loadComposite() {
  const esbuild = await import('esbuild');
  const entry = join(outDir, 'rnn-composite-entry.mjs');
  const outfile = join(outDir, 'rnn-composite.mjs');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(entry, `export * from '../../src/index.ts';\nexport * as rnnReference from '../../src/nn/rnn-reference.ts';\n`);
  await esbuild.build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'node', outfile, logLevel: 'error' });
  return import(pathToFileURL(outfile).href);
}

// ---------------------------------------------------------------- PyTorch

const TORCH_SCRIPT = String.raw`
import json, statistics, sys, time
import torch
torch.set_num_threads(1)
seq, batch, inp, hidden = 32, 32, 64, 256
steps = int(sys.argv[1]); only = sys.argv[2].split(',')
def timed(run, warmup, n):
    start = time.perf_counter(); i = 0
    while i < warmup or time.perf_counter() - start < 0.3:
        run(); i += 1
    wall, cpu = [], []
    for _ in range(n):
        t = time.perf_counter(); c = time.process_time(); run()
        wall.append(time.perf_counter() - t); cpu.append(time.process_time() - c)
    return {'wall': statistics.median(wall) * 1000, 'cpu': statistics.median(cpu) * 1000}
result = {}
for key, ctor in (('lstm', torch.nn.LSTM), ('gru', torch.nn.GRU), ('rnn', torch.nn.RNN)):
    if key not in only: continue
    torch.manual_seed(0)
    m = ctor(inp, hidden)
    x = torch.randn(seq, batch, inp); target = torch.randn(seq, batch, hidden)
    crit = torch.nn.MSELoss(); opt = torch.optim.Adam(m.parameters(), lr=1e-3)
    def step():
        opt.zero_grad(); out, _ = m(x); crit(out, target).backward(); opt.step()
    result[key] = timed(step, 3, steps)
if 'hello' in only:
    torch.manual_seed(0)
    eye = torch.eye(4)
    inputs = eye[[1, 0, 2, 2, 3]].view(-1, 1, 4); labels = torch.LongTensor([3, 1, 2, 3, 2]).view(-1, 1)
    cell = torch.nn.RNNCell(input_size=4, hidden_size=4)
    crit = torch.nn.CrossEntropyLoss(); opt = torch.optim.Adam(cell.parameters(), lr=0.1)
    def epoch():
        loss = 0; opt.zero_grad(); hidden = torch.zeros(1, 4)
        for input, label in zip(inputs, labels):
            hidden = cell(input, hidden); loss += crit(hidden, label)
            _, idx = hidden.max(1); idx.item()
        loss.backward(); opt.step(); loss.item()
    result['hello'] = {k: v * 1000 for k, v in timed(epoch, 500, 1000).items()}
result['version'] = torch.__version__
print(json.dumps(result))
`;

/** PyTorch's figures and the OpenBLAS kernel set it ran (`coreType` forces one, e.g. 'Prescott'). */
function measureTorch(coreType) {
  const env = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', OPENBLAS_VERBOSE: '2' };
  if (coreType) env.OPENBLAS_CORETYPE = coreType;
  else delete env.OPENBLAS_CORETYPE;
  const run = spawnSync('/usr/bin/python3', ['-c', TORCH_SCRIPT, String(STEPS), ONLY.join(',')], { encoding: 'utf8', env });
  if (run.status !== 0) throw new Error(`PyTorch run failed (exit ${run.status}): ${run.stderr}`);
  const core = /Core: (\w+)/.exec(run.stdout + run.stderr)?.[1] ?? 'unknown';
  return { ...JSON.parse(run.stdout.trim().split('\n').pop()), core };
}

// ---------------------------------------------------------------- run and print

// Only when run as a script: bench/run.mjs imports trainingStep and helloEpoch from here.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  execSync('node scripts/build.mjs --if-stale', { cwd: root, stdio: 'inherit' });
  const torch = await import(pathToFileURL(join(root, 'dist', 'index.mjs')).href);
  const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
  console.log(`# ${os.cpus()[0].model}, ${os.cpus().length} CPUs, Node ${process.version}; load average at start: ${load()}`);

  const columns = [];
  for (const impl of IMPLS) {
    try {
      if (impl === 'torch' || impl === 'torch-prescott') {
        const r = measureTorch(impl === 'torch' ? undefined : 'Prescott');
        columns.push({ name: `PyTorch ${r.version} (${r.core})`, r, torch: true });
      } else if (impl === 'composite') {
        const composite = await loadComposite();
        const best = ['wasm-relaxed-simd', 'wasm-simd'].find((b) => { try { composite.setBackend(b); return true; } catch { return false; } });
        columns.push({ name: `composite (${best})`, r: measureOurs(composite, best, composite.rnnReference) });
      } else {
        const [backendName, threads] = impl.split(':');
        columns.push({ name: impl, r: measureOurs(torch, backendName, undefined, threads === '2t' ? 2 : 1) });
      }
    } catch (err) {
      console.log(`# ${impl}: skipped (${err instanceof Error ? err.message.split('\n')[0] : err})`);
    }
  }

  const rows = [...MODELS.map((m) => [m.key, m.label]), ...(ONLY.includes('hello') ? [['hello', 'hello→ohlol epoch (µs)']] : [])];
  const torchColumn = columns.find((c) => c.torch);
  const others = columns.filter((c) => c !== torchColumn);
  const fmt = (v) => (v === undefined ? '—' : v >= 100 ? v.toFixed(0) : v.toFixed(1));

  /** One table of `what` ('wall' or 'cpu') medians, with each implementation's ratio to PyTorch. */
  function table(what, title) {
    const header = ['', ...columns.map((c) => c.name), ...(torchColumn ? others.map((c) => `${c.name} ratio`) : [])];
    const lines = rows.map(([key, label]) => [
      label,
      ...columns.map((c) => fmt(c.r[key]?.[what])),
      ...(torchColumn ? others.map((c) => `${(c.r[key]?.[what] / torchColumn.r[key]?.[what]).toFixed(2)}×`) : []),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
    const row = (cells) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
    console.log(`\n${title}${torchColumn ? `; ratios to ${torchColumn.name}` : ''}`);
    console.log(row(header));
    console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
    for (const l of lines) console.log(row(l));
  }

  console.log(`\nseq ${SIZE.seq}, batch ${SIZE.batch}, input ${SIZE.input}, hidden ${SIZE.hidden}, Adam, MSE loss; medians of ${STEPS} ` +
    'steps (js: 2) after warm-up; lower is better; a ratio below 1 is faster');
  table('wall', 'Wall clock');
  table('cpu', 'CPU time of the process (less sensitive to other load on the machine)');
  console.log(`# load average at end: ${load()}`);
}
