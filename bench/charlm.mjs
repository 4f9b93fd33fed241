// The char-lm of examples/char-lm/ trained here and in PyTorch 1.13 (bench/charlm.py) for the same config and
// number of steps, one after the other on one thread each: training tokens/s (evaluation excluded) and
// validation bits per character after the same steps. Both start from the same initial weights (the seeded
// generator reproduces PyTorch's draws) and draw the same dropout masks, so their losses agree closely at first.
//
// Usage: node bench/charlm.mjs [--steps=2000] [--impls=wasmtorch,torch] [--eval-every=500] [--eval-windows=N]
//                              [--threads=1]  (ours: torch.setNumThreads; PyTorch: OPENBLAS_NUM_THREADS with
//                              OMP_NUM_THREADS=1, and for more than one, torch.set_num_threads(1): its fastest multi-core
//                              setup here, bench/suite_torch.py; with OpenMP's default pool it ran at 12k, not 17k tokens/s)
//                              [--cell=lstm] [--hidden=256] [--layers=2] [--embedding=64] [--seq=100]
//                              [--batch=32] [--dropout=0.2] [--lr=0.002] [--seed=0]
//        node bench/charlm.mjs --report [--steps=2000]   (prints the table from the saved results)
// Results go to bench/out/charlm-<impl>-<steps>.json. A 2,000-step run takes tens of minutes per
// implementation: run it in the background (nohup node bench/charlm.mjs > bench/out/charlm.log 2>&1 &).
// Never run from tests.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'bench', 'out');
mkdirSync(outDir, { recursive: true });

const args = Object.fromEntries(process.argv.slice(2).map((a) => {
  const [key, ...rest] = a.replace(/^--/, '').split('=');
  return [key, rest.length ? rest.join('=') : 'true'];
}));
const STEPS = Number(args.steps ?? 2000);
const IMPLS = (args.impls ?? 'wasmtorch,torch').split(',');
const EVAL_EVERY = Number(args['eval-every'] ?? 500);
const EVAL_WINDOWS = args['eval-windows'] === undefined ? undefined : Number(args['eval-windows']);
const THREADS = Number(args.threads ?? 1);
/** bench flag -> [config key of model.mjs, flag of charlm.py] */
const CONFIG_FLAGS = {
  cell: ['cell', 'cell'], hidden: ['hiddenSize', 'hidden'], layers: ['numLayers', 'layers'], embedding: ['embeddingDim', 'embedding'],
  seq: ['seqLength', 'seq'], batch: ['batchSize', 'batch'], dropout: ['dropout', 'dropout'], lr: ['lr', 'lr'], seed: ['seed', 'seed'],
};
const config = { steps: STEPS };
const pythonArgs = ['--steps', String(STEPS), '--eval-every', String(EVAL_EVERY), '--eval-windows', String(EVAL_WINDOWS ?? 0)];
for (const [flag, [key, pyFlag]] of Object.entries(CONFIG_FLAGS)) {
  if (args[flag] === undefined) continue;
  config[key] = flag === 'cell' ? args[flag] : Number(args[flag]);
  pythonArgs.push(`--${pyFlag}`, args[flag]);
}

const resultFile = (impl) => join(outDir, `charlm-${impl}-${STEPS}${THREADS > 1 ? `-${THREADS}t` : ''}.json`);
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
const log = (text) => process.stderr.write(`${text}\n`);

async function runWasmtorch() {
  const { main } = await import('../examples/char-lm/train.mjs');
  const torch = await import('wasmtorch');
  torch.setNumThreads(THREADS);
  const loadBefore = load();
  const run = await main({
    config, checkpoint: null, chart: null, sampleLength: 0, evalEvery: EVAL_EVERY, evalWindows: EVAL_WINDOWS, log,
  });
  return {
    impl: `wasmtorch (${torch.backend()}, ${torch.getNumThreads()} thread${torch.getNumThreads() > 1 ? 's' : ''})`, config: run.config, tokensPerSecond: run.tokensPerSecond, trainSeconds: run.trainSeconds,
    evals: run.history.evals, firstLosses: run.history.losses.slice(0, 5), loadBefore, loadAfter: load(),
  };
}

function runTorch() {
  const loadBefore = load();
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/python3', [join(root, 'bench', 'charlm.py'), ...pythonArgs], {
      cwd: root, env: { ...process.env, OPENBLAS_NUM_THREADS: String(THREADS), OMP_NUM_THREADS: '1', ...(THREADS > 1 ? { WASMTORCH_BENCH_TORCH_THREADS: '1' } : {}) }, stdio: ['ignore', 'pipe', 'inherit'],
    });
    const evals = [];
    const firstLosses = [];
    let done = null;
    let start = null;
    let buffered = '';
    child.stdout.on('data', (chunk) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop();
      for (const line of lines) {
        const event = JSON.parse(line);
        if (event.event === 'start') start = event;
        if (event.event === 'step') {
          if (firstLosses.length < 5 && event.step <= 5) firstLosses.push(event.loss);
          log(`torch step ${event.step}: loss ${(event.loss / Math.LN2).toFixed(3)} bpc, ${Math.round(event.tokens_per_s)} tokens/s`);
        }
        if (event.event === 'eval') {
          evals.push({ step: event.step, bpc: event.bpc });
          log(`torch step ${event.step}: validation ${event.bpc.toFixed(3)} bpc`);
        }
        if (event.event === 'done') done = event;
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0 || !done) reject(new Error(`bench/charlm.py exited with code ${code}`));
      else {
        resolve({
          impl: `PyTorch ${start.torch} (torch ${start.threads} thread${start.threads > 1 ? 's' : ''}, OPENBLAS_NUM_THREADS=${start.openblas_threads})`,
          tokensPerSecond: done.tokens_per_s, trainSeconds: done.train_seconds, evals, firstLosses, loadBefore, loadAfter: load(),
        });
      }
    });
  });
}

const RUNNERS = { wasmtorch: runWasmtorch, torch: runTorch };

if (args.report === undefined) {
  for (const impl of IMPLS) {
    if (!RUNNERS[impl]) throw new Error(`bench/charlm: unknown implementation ${JSON.stringify(impl)}; expected wasmtorch or torch`);
    log(`\n== ${impl}: ${STEPS} steps (load average ${load()})`);
    const result = { ...(await RUNNERS[impl]()), steps: STEPS, cpu: os.cpus()[0]?.model, date: new Date().toISOString() };
    writeFileSync(resultFile(impl), `${JSON.stringify(result, null, 2)}\n`);
  }
}

// ---- the table, from whatever results exist for this number of steps
const results = Object.keys(RUNNERS).map((impl) => (existsSync(resultFile(impl)) ? JSON.parse(readFileSync(resultFile(impl), 'utf8')) : null)).filter(Boolean);
const steps = [...new Set(results.flatMap((r) => r.evals.map((e) => e.step)))].sort((a, b) => a - b);
console.log(`\nchar-lm, ${STEPS} steps (${os.cpus()[0]?.model}, ${os.cpus().length} cores)`);
console.log(`${'implementation'.padEnd(58)} ${'tokens/s'.padStart(9)}  ${steps.map((s) => `bpc@${s}`.padStart(9)).join(' ')}  load before / after`);
for (const r of results) {
  const bpc = steps.map((s) => (r.evals.find((e) => e.step === s)?.bpc.toFixed(3) ?? '-').padStart(9)).join(' ');
  console.log(`${r.impl.padEnd(58)} ${Math.round(r.tokensPerSecond).toString().padStart(9)}  ${bpc}  ${r.loadBefore} / ${r.loadAfter}`);
}
if (results.length === 2) {
  const [a, b] = results;
  const last = steps.at(-1);
  const diff = a.evals.find((e) => e.step === last)?.bpc - b.evals.find((e) => e.step === last)?.bpc;
  console.log(`throughput ratio ${a.impl.split(' ')[0]} / ${b.impl.split(' ')[0]}: ${(a.tokensPerSecond / b.tokensPerSecond).toFixed(2)}; `
    + `validation bpc difference at step ${last}: ${diff.toFixed(3)}`);
  console.log(`first losses: ${a.firstLosses.map((x) => x.toFixed(6)).join(' ')} vs ${b.firstLosses.map((x) => x.toFixed(6)).join(' ')}`);
}
