// The suite's TensorFlow.js anchor: @tensorflow/tfjs-core 4.22 on the wasm backend (SIMD, one thread) or the cpu
// backend, running the named workload and printing one JSON line. Spawned by bench/run.mjs.
//
// Gradients: see loadTfjs. The recurrent layers are written from tfjs-core ops (tfjs-layers is not installed): PyTorch's LSTM, GRU and
// tanh-RNN equations with the input projection of all time steps done as one matMul, the recurrent product per
// step, MSE loss, tf.train.adam through optimizer.minimize. Weights are stored [in, out] so every forward
// product is an untransposed matMul (tfjs-wasm's transposed matMul is slow: bench/RESULTS.md).
//
// Usage: node bench/suite-tfjs.mjs --backend=wasm|cpu --workload=NAME [--quick]
// Never run from tests.
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { medianPerCall, parseArgs, per, rate, SUITE } from './suite-timing.mjs';

const args = parseArgs(process.argv.slice(2));
const BACKEND = args.backend;
const QUICK = args.quick === 'true';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * tfjs-core with its gradients registered (its CommonJS build, the package's "main", registers none, so
 * minimize/variableGrads would fail) plus both backends: bundled once from the packages' ES modules into
 * bench/out/tfjs-bundle.cjs, rebuilt when tfjs-core's package.json is newer.
 */
async function loadTfjs() {
  const outDir = join(root, 'bench', 'out');
  const bundle = join(outDir, 'tfjs-bundle.cjs');
  const stamp = statSync(join(root, 'node_modules', '@tensorflow', 'tfjs-core', 'package.json')).mtimeMs;
  if (!existsSync(bundle) || statSync(bundle).mtimeMs < stamp) {
    mkdirSync(outDir, { recursive: true });
    const entry = join(outDir, 'tfjs-entry.mjs');
    writeFileSync(entry, [
      "export * from '@tensorflow/tfjs-core';",
      "import '@tensorflow/tfjs-core/dist/register_all_gradients';",
      "import '@tensorflow/tfjs-backend-cpu';",
      "export * as tfWasm from '@tensorflow/tfjs-backend-wasm';",
    ].join('\n') + '\n');
    const esbuild = await import('esbuild');
    await esbuild.build({
      entryPoints: [entry], bundle: true, format: 'cjs', platform: 'node', mainFields: ['module', 'main'],
      outfile: bundle, logLevel: 'error',
    });
  }
  return createRequire(import.meta.url)(bundle);
}

const tf = await loadTfjs();
if (BACKEND === 'wasm') {
  tf.tfWasm.setWasmPaths(join(root, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist') + '/');
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  tf.tfWasm.setThreadsCount(1);
}
if (!(await tf.setBackend(BACKEND))) throw new Error(`suite-tfjs: backend ${BACKEND} failed to initialise`);
await tf.ready();
if (BACKEND === 'wasm' && !tf.env().getBool('WASM_HAS_SIMD_SUPPORT')) {
  throw new Error('suite-tfjs: tfjs-backend-wasm runs without SIMD here; refusing to report it as the SIMD anchor');
}

const fast = QUICK ? { samples: 5, sampleS: 0.03, warmupS: 0.2 } : { samples: 9, sampleS: 0.1, warmupS: 0.5 };
const uniform = (shape, scale) => tf.variable(tf.randomUniform(shape, -scale, scale, 'float32', 1));

/** Forward of one recurrent layer over x [seq, batch, input]; returns the outputs [seq, batch, hidden]. */
function recurrentForward(kind, p, x, hidden) {
  const [seq, batch, input] = x.shape;
  const projected = tf.add(tf.matMul(tf.reshape(x, [seq * batch, input]), p.wIh), p.b);
  const steps = tf.unstack(tf.reshape(projected, [seq, batch, -1]));
  let h = tf.zeros([batch, hidden]);
  let c = tf.zeros([batch, hidden]);
  const outs = [];
  for (const xt of steps) {
    if (kind === 'lstm') {
      const [i, f, g, o] = tf.split(tf.add(xt, tf.matMul(h, p.wHh)), 4, 1);
      c = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g)));
      h = tf.mul(tf.sigmoid(o), tf.tanh(c));
    } else if (kind === 'gru') {
      const [xr, xz, xn] = tf.split(xt, 3, 1);
      const [hr, hz, hn] = tf.split(tf.add(tf.matMul(h, p.wHh), p.bHh), 3, 1);
      const r = tf.sigmoid(tf.add(xr, hr));
      const z = tf.sigmoid(tf.add(xz, hz));
      const n = tf.tanh(tf.add(xn, tf.mul(r, hn)));
      h = tf.add(tf.mul(tf.sub(1, z), n), tf.mul(z, h));
    } else {
      h = tf.tanh(tf.add(xt, tf.matMul(h, p.wHh)));
    }
    outs.push(h);
  }
  return tf.stack(outs);
}

const WORKLOADS = {
  matmul() {
    const { n } = SUITE.matmul;
    const a = tf.randomNormal([n, n], 0, 1, 'float32', 1), b = tf.randomNormal([n, n], 0, 1, 'float32', 2);
    const opts = BACKEND === 'cpu' ? { warmup: 1, warmupS: 0, samples: QUICK ? 3 : 5, sampleS: 0 } : fast;
    const s = medianPerCall(() => tf.matMul(a, b).dispose(), opts);
    return { gflops: rate(s, (2 * n ** 3) / 1e9) };
  },

  recurrent() {
    const { seq, batch, input, hidden } = SUITE.recurrent;
    const out = {};
    for (const kind of ['lstm', 'gru', 'rnn']) {
      const gates = { lstm: 4, gru: 3, rnn: 1 }[kind] * hidden;
      const k = 1 / Math.sqrt(hidden);
      const p = { wIh: uniform([input, gates], k), wHh: uniform([hidden, gates], k), b: uniform([gates], k) };
      if (kind === 'gru') p.bHh = uniform([gates], k);
      const x = tf.randomNormal([seq, batch, input], 0, 1, 'float32', 3);
      const target = tf.randomNormal([seq, batch, hidden], 0, 1, 'float32', 4);
      const optimizer = tf.train.adam(1e-3);
      const vars = Object.values(p);
      const step = () => tf.tidy(() => {
        optimizer.minimize(() => tf.losses.meanSquaredError(target, recurrentForward(kind, p, x, hidden)), false, vars);
      });
      const samples = BACKEND === 'cpu' ? (QUICK ? 1 : 3) : QUICK ? 3 : 5;
      out[kind] = { ms: per(medianPerCall(step, { warmup: 1, warmupS: 0, samples, sampleS: 0 }), 1000) };
      optimizer.dispose();
      tf.dispose([...vars, x, target]);
    }
    return out;
  },

  /** examples/04's epoch: RNNCell 4→4 over "hello", summed cross-entropy, argmax read per step, Adam lr 0.1. */
  hello() {
    const eye = tf.eye(4);
    const inputs = tf.unstack(tf.reshape(tf.gather(eye, tf.tensor1d([1, 0, 2, 2, 3], 'int32')), [5, 1, 4]));
    const labels = tf.unstack(tf.reshape(tf.gather(eye, tf.tensor1d([3, 1, 2, 3, 2], 'int32')), [5, 1, 4]));
    const p = { wIh: uniform([4, 4], 0.5), wHh: uniform([4, 4], 0.5), bIh: uniform([4], 0.5), bHh: uniform([4], 0.5) };
    const optimizer = tf.train.adam(0.1);
    const epoch = () => tf.tidy(() => {
      const cost = optimizer.minimize(() => {
        let h = tf.zeros([1, 4]);
        let loss = tf.scalar(0);
        for (let t = 0; t < 5; t++) {
          h = tf.tanh(tf.add(tf.add(tf.matMul(inputs[t], p.wIh), p.bIh), tf.add(tf.matMul(h, p.wHh), p.bHh)));
          loss = tf.add(loss, tf.losses.softmaxCrossEntropy(labels[t], h));
          tf.argMax(h, 1).dataSync();
        }
        return loss;
      }, true, Object.values(p));
      cost.dataSync();
    });
    return { us: per(medianPerCall(epoch, fast), 1e6) };
  },

  /**
   * tf.add of [1, 4] tensors, result disposed. "grad on": inside tf.variableGrads, where tfjs records every op on
   * its tape (200 adds per gradient call, the call's own cost divided among them); "off": plain calls.
   */
  add() {
    const a = tf.variable(tf.randomNormal([1, 4], 0, 1, 'float32', 1)), b = tf.variable(tf.randomNormal([1, 4], 0, 1, 'float32', 2));
    const perCall = 200;
    const taped = () => {
      const { value, grads } = tf.variableGrads(() => {
        let r = null;
        for (let i = 0; i < perCall; i++) r = tf.add(a, b);
        return tf.sum(r);
      }, [a, b]);
      tf.dispose([value, ...Object.values(grads)]);
    };
    return {
      gradOn: { us: per(medianPerCall(() => tf.tidy(taped), fast), 1e6 / perCall) },
      gradOff: { us: per(medianPerCall(() => tf.add(a, b).dispose(), fast), 1e6) },
    };
  },
};

const workload = WORKLOADS[args.workload];
if (!workload) throw new Error(`suite-tfjs: unknown workload ${JSON.stringify(args.workload)}; expected one of ${Object.keys(WORKLOADS).join(', ')}`);
const result = workload();
console.log(JSON.stringify({ impl: `tfjs-${BACKEND}`, workload: args.workload, result }));
