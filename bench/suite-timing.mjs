// Timing shared by the suite's JavaScript workers (bench/suite-ours.mjs, bench/suite-tfjs.mjs); the PyTorch
// worker (bench/suite_torch.py) follows the same rule. Never run from tests.

const now = () => performance.now() / 1000;

/** CPU seconds (user + system) this process has used, all its threads together. */
const cpuNow = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

/**
 * Seconds per call of `run`, `{ wall, cpu }`: the medians over `samples` samples of wall-clock time and of the
 * process's CPU time (less sensitive to other processes sharing the cores). Warm-up first: at least `warmup`
 * calls and `warmupS` seconds (the wasm and JS code tiers up while it runs); then each sample is enough
 * back-to-back calls to last about `sampleS` seconds (at least one call), timed as a whole and divided by the
 * calls in it.
 */
export function medianPerCall(run, { warmup = 3, warmupS = 0.3, samples = 7, sampleS = 0.05 } = {}) {
  const start = now();
  let calls = 0;
  while (calls < warmup || now() - start < warmupS) { run(); calls++; }
  const perCall = calls > 0 ? (now() - start) / calls : 0;
  const reps = perCall > 0 ? Math.max(1, Math.round(sampleS / perCall)) : 1;
  const wall = [];
  const cpu = [];
  for (let s = 0; s < samples; s++) {
    const t = now();
    const c = cpuNow();
    for (let r = 0; r < reps; r++) run();
    wall.push((now() - t) / reps);
    cpu.push((cpuNow() - c) / reps);
  }
  return { wall: median(wall), cpu: median(cpu) };
}

const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** `{ wall, cpu }` seconds per call converted to a figure: `x => factor · x`, or `x => factor / x` (a rate). */
export const per = ({ wall, cpu }, factor) => ({ wall: wall * factor, cpu: cpu * factor });
export const rate = ({ wall, cpu }, factor) => ({ wall: factor / wall, cpu: factor / cpu });

/** Parses `--key=value` / `--flag` arguments into an object. */
export function parseArgs(argv) {
  return Object.fromEntries(argv.map((a) => {
    const [key, ...rest] = a.replace(/^--/, '').split('=');
    return [key, rest.length ? rest.join('=') : 'true'];
  }));
}

/** Sizes of the suite's workloads, shared by every worker so all implementations run the same problem. */
export const SUITE = Object.freeze({
  matmul: { n: 512 },
  recurrent: { seq: 32, batch: 32, input: 64, hidden: 256 },
  names: { letters: 57, hidden: 128, classes: 18, lr: 0.005 },
  /** names of mean length 7.0 (the tutorial's are ≈ 7 letters), one per class, cycled */
  namesList: ['Abbas', 'Chandra', 'Novak', 'Jansen', 'Smithson', 'Dupont', 'Schmidt', 'Papadopoulos', 'Haddad', 'Romano',
    'Nakamura', 'Kimura', 'Kowalski', 'Silveira', 'Dovesky', 'Macdonald', 'Garcia', 'Nguyen'],
  charlm: { vocab: 65, embedding: 64, hidden: 256, layers: 2, seq: 100, batch: 32, dropout: 0.2 },
});
