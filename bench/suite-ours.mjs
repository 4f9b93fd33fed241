// The suite's wasmtorch worker: runs the named workloads on one backend of the built package (dist/index.mjs,
// imported as 'wasmtorch') and prints one JSON line of results. Spawned by bench/run.mjs, once per backend and
// workload, so every figure comes from a fresh process.
//
// Usage: node bench/suite-ours.mjs --backend=wasm-simd|wasm-relaxed-simd|js --workload=NAME [--threads=1] [--quick]
// wasm-simd runs with WASMTORCH_NO_RELAXED_SIMD=1 (the package then leaves relaxed SIMD off); the relaxed build
// relies on the Node bundle turning on --experimental-wasm-relaxed-simd itself (src/platform-node.ts).
// Never run from tests.
import { medianPerCall, parseArgs, per, rate, SUITE } from './suite-timing.mjs';

const args = parseArgs(process.argv.slice(2));
const BACKEND = args.backend;
const QUICK = args.quick === 'true';
const JS = BACKEND === 'js';
if (BACKEND === 'wasm-simd') process.env.WASMTORCH_NO_RELAXED_SIMD = '1';

const torch = await import('wasmtorch');
await torch.ready();
torch.setBackend(BACKEND);
const THREADS = Number(args.threads ?? 1);
torch.setNumThreads(THREADS);
if (torch.backend() !== BACKEND) throw new Error(`suite-ours: asked for backend ${BACKEND}, got ${torch.backend()}`);
if (THREADS > 1) {
  // workers start on the first large product; wait until they are ready so that no timed call runs without them
  const x = torch.ones(512, 512);
  for (let i = 0; i < 500 && torch.parallelInfo().threadsReady < THREADS; i++) {
    torch.noGrad(() => torch.matmul(x, x).dispose());
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  if (torch.parallelInfo().threadsReady < THREADS) throw new Error(`suite-ours: only ${torch.parallelInfo().threadsReady} of ${THREADS} threads started`);
  x.dispose();
}

/** Options for medianPerCall by cost: slow calls (the JS twin's training steps) get few samples. */
const slow = (samples) => ({ warmup: 1, warmupS: 0, samples, sampleS: 0 });
const fast = QUICK ? { samples: 5, sampleS: 0.03, warmupS: 0.2 } : { samples: 9, sampleS: 0.1, warmupS: 0.5 };

const WORKLOADS = {
  matmul() {
    const { n } = SUITE.matmul;
    torch.manualSeed(0);
    const a = torch.randn(n, n), b = torch.randn(n, n);
    const s = torch.noGrad(() => medianPerCall(() => torch.matmul(a, b).dispose(), JS ? slow(QUICK ? 3 : 5) : fast));
    return { gflops: rate(s, (2 * n ** 3) / 1e9) };
  },

  async recurrent() {
    const { trainingStep } = await import('./rnn.mjs');
    const out = {};
    for (const ctor of ['LSTM', 'GRU', 'RNN']) {
      const step = trainingStep(torch, { ctor });
      const opts = JS ? slow(QUICK ? 1 : 3) : QUICK ? { warmup: 2, warmupS: 0.3, samples: 5, sampleS: 0 } : { warmup: 3, warmupS: 0.5, samples: 15, sampleS: 0 };
      out[ctor.toLowerCase()] = { ms: per(medianPerCall(step, opts), 1000) };
    }
    return out;
  },

  async hello() {
    const { helloEpoch } = await import('./rnn.mjs');
    return { us: per(medianPerCall(helloEpoch(torch), fast), 1e6) };
  },

  /** One a.add(b) of [1, 4] tensors, its result disposed at once; with both inputs requiring grad, and not. */
  add() {
    const out = {};
    for (const grad of [true, false]) {
      torch.manualSeed(0);
      const a = torch.randn(1, 4, { requiresGrad: grad }), b = torch.randn(1, 4, { requiresGrad: grad });
      out[grad ? 'gradOn' : 'gradOff'] = { us: per(medianPerCall(() => a.add(b).dispose(), fast), 1e6) };
    }
    return out;
  },

  /** One iteration of the names tutorial's train(): all letters forward, NLLLoss, backward, p -= lr·grad. */
  async names() {
    const { RNN, train } = await import('../examples/names/classify.mjs');
    const { lineToTensor } = await import('../examples/names/data.mjs');
    const { letters, hidden, classes, lr } = SUITE.names;
    torch.manualSeed(0);
    const rnn = new RNN(letters, hidden, classes);
    const criterion = new torch.nn.NLLLoss();
    const examples = SUITE.namesList.map((name, i) => [torch.tensor([i % classes], { dtype: 'int64' }), lineToTensor(name)]);
    let next = 0;
    const iteration = () => {
      const [category, line] = examples[next++ % examples.length];
      train(rnn, criterion, category, line, lr);
    };
    return { us: per(medianPerCall(iteration, fast), 1e6) };
  },

  /** Training steps of examples/char-lm's model (2-layer LSTM 256) on random ids; tokens/s from the median step. */
  async charlm() {
    const { createCharLM, createOptimizer, resolveConfig, trainStep } = await import('../examples/char-lm/model.mjs');
    const { StreamBatcher } = await import('../examples/char-lm/data.mjs');
    const c = SUITE.charlm;
    const config = resolveConfig({
      cell: 'lstm', hiddenSize: c.hidden, numLayers: c.layers, embeddingDim: c.embedding, seqLength: c.seq,
      batchSize: c.batch, dropout: c.dropout, steps: 1000,
    });
    const ids = new Int32Array(c.batch * c.seq * 4 + 1);
    let s = 1;
    for (let i = 0; i < ids.length; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; ids[i] = s % c.vocab; }
    const batcher = new StreamBatcher(ids, c.batch, c.seq);
    const model = createCharLM(torch, c.vocab, config);
    const optimizer = createOptimizer(torch, model, config);
    let state = null;
    let step = 0;
    const run = () => {
      state = trainStep(torch, { model, optimizer, config }, batcher.window(step % batcher.fullWindows), state, step).state;
      step++;
    };
    const samples = JS ? 1 : QUICK ? 3 : 7;
    const seconds = medianPerCall(run, { warmup: JS ? 0 : 2, warmupS: 0, samples, sampleS: 0 });
    return { tokensPerSecond: rate(seconds, c.seq * c.batch), steps: samples };
  },
};

const workload = WORKLOADS[args.workload];
if (!workload) throw new Error(`suite-ours: unknown workload ${JSON.stringify(args.workload)}; expected one of ${Object.keys(WORKLOADS).join(', ')}`);
const result = await workload();
console.log(JSON.stringify({ impl: `ours ${torch.backend()}, ${torch.getNumThreads()} thread(s)`, workload: args.workload, result }));
