// Beyond the course: a character-level language model on tiny Shakespeare. A 2-layer LSTM (or GRU) of 256 over
// character embeddings, truncated backprop through time over windows of 100 characters × 32 streams with the
// hidden state carried (detached) from window to window, Adam with gradient clipping and a cosine learning-rate
// schedule, dropout between the recurrent layers. First 90% of the text trains, the last 10% validates.
// Validation bits per character every --eval-every steps, a checkpoint that resumes exactly, a loss chart, and
// a sample at the end.
//
//   npm run train:charlm                          # 2,000 steps (resumes from the checkpoint with --resume)
//   npm run train:charlm -- --cell gru --hidden 512 --steps 5000
//   npm run sample -- --prime "ROMEO:"
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from 'wasmtorch';
import { defaultOutDir, lossChart } from '../lib/plot.mjs';
import { progressBar } from '../lib/progress.mjs';
import { isMain } from '../lib/run.mjs';
import { parseCli, runCommand, usage } from './cli.mjs';
import { CharVocab, splitIds, StreamBatcher, unigramEntropyBits } from './data.mjs';
import {
  DEFAULT_CONFIG, createCharLM, createOptimizer, evaluate, resolveConfig, sample, seededRandom, trainStep,
} from './model.mjs';
import { checkpointBytes, readCheckpoint } from './checkpoint.mjs';

export const DATA_FILE = fileURLToPath(new URL('../../data/tinyshakespeare/input.txt', import.meta.url));
export const OUT_DIR = join(defaultOutDir, 'char-lm');
export const DEFAULT_CHECKPOINT = join(OUT_DIR, 'checkpoint.safetensors');

/** Writes `bytes` to `file` through a temporary name, so an interrupted write never leaves half a checkpoint. */
export function writeFileAtomic(file, bytes) {
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, bytes);
  renameSync(temporary, file);
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Training losses (nats) as bits per character, averaged over blocks of `block` steps, for the chart. */
function blockAverages(losses, block) {
  const x = [];
  const values = [];
  for (let start = 0; start < losses.length; start += block) {
    const part = losses.slice(start, start + block);
    x.push(start + part.length);
    values.push(mean(part) / Math.LN2);
  }
  return { x, values };
}

/**
 * Trains (or resumes) a run. Options:
 * - `config`: overrides of DEFAULT_CONFIG (model.mjs); ignored when resuming except `steps`
 * - `resume`: continue from `checkpoint` (an error if it does not exist)
 * - `checkpoint`: file path (default examples/out/char-lm/checkpoint.safetensors), null for none;
 *   written every `checkpointEvery` steps (default: evalEvery) and when the run stops
 * - `stopAt`: stop after this many steps in all (as if interrupted; the schedule still spans config.steps)
 * - `evalEvery` (default 200), `evalWindows` (validation windows per evaluation, default all)
 * - `dataFile`, `chart` (SVG path, or null for none; default examples/out/char-lm/loss.svg),
 *   `sampleLength` (default 300, 0 for none), `prime` ('ROMEO:'), `temperature` (0.8),
 *   `log` (default console.log), `progress` (false hides the bar)
 * Returns `{ config, step, history: { losses, evals }, tokensPerSecond, trainSeconds, text, model, optimizer, state }`.
 */
export async function main(options = {}) {
  const log = options.log ?? console.log;
  const say = (text) => {
    if (options.progress !== false && process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    log(text);
  };
  const checkpointFile = options.checkpoint === undefined ? DEFAULT_CHECKPOINT : options.checkpoint;
  let resumed = null;
  if (options.resume) {
    if (!checkpointFile || !existsSync(checkpointFile)) throw new Error(`char-lm: cannot resume: no checkpoint at ${checkpointFile}`);
    resumed = readCheckpoint(torch, readFileSync(checkpointFile));
  }
  const stepsOverride = options.config?.steps;
  const config = resolveConfig(resumed ? { ...resumed.config, ...(stepsOverride ? { steps: stepsOverride } : {}) } : options.config);
  if (resumed) {
    const ignored = Object.keys(options.config ?? {}).filter((k) => k !== 'steps' && options.config[k] !== undefined && options.config[k] !== config[k]);
    if (ignored.length) say(`note: resuming with the checkpoint's config; ignoring ${ignored.map((k) => `${k}=${options.config[k]}`).join(', ')}`);
    if (stepsOverride && stepsOverride !== resumed.config.steps) say(`note: steps changed from ${resumed.config.steps} to ${stepsOverride}, which changes the schedule`);
  }
  const evalEvery = options.evalEvery ?? 200;
  const checkpointEvery = options.checkpointEvery ?? evalEvery;

  const text = readFileSync(options.dataFile ?? DATA_FILE, 'utf8');
  const vocab = CharVocab.fromText(text);
  if (resumed && resumed.vocabChars.join('') !== vocab.chars.join('')) {
    throw new Error(`char-lm: the checkpoint's vocabulary (${resumed.vocabChars.length} characters) differs from the text's (${vocab.size})`);
  }
  const { train, val } = splitIds(vocab.encode(text));
  const trainBatches = new StreamBatcher(train, config.batchSize, config.seqLength);
  const valBatches = new StreamBatcher(val, config.batchSize, config.seqLength);

  const model = createCharLM(torch, vocab.size, config);
  const optimizer = createOptimizer(torch, model, config);
  let state = null;
  let startStep = 0;
  const history = { losses: [], evals: [] };
  if (resumed) {
    state = resumed.restore(model, optimizer);
    startStep = resumed.step;
    history.losses.push(...resumed.history.losses);
    history.evals.push(...resumed.history.evals);
  }
  const stopAt = Math.min(options.stopAt ?? config.steps, config.steps);
  const parameters = model.parameters().reduce((n, p) => n + p.numel(), 0);
  say(`char-lm: ${config.numLayers}-layer ${config.cell.toUpperCase()} ${config.hiddenSize}, embedding ${config.embeddingDim}, `
    + `${parameters.toLocaleString('en-US')} parameters, vocabulary ${vocab.size} (backend ${torch.backend()}, ${torch.getNumThreads()} thread${torch.getNumThreads() === 1 ? '' : 's'})`);
  say(`data: ${train.length.toLocaleString('en-US')} training / ${val.length.toLocaleString('en-US')} validation characters, `
    + `${trainBatches.fullWindows} windows of ${config.seqLength} × ${config.batchSize} per pass; `
    + `unigram entropy ${unigramEntropyBits(train, vocab.size).toFixed(3)} bits/char`);
  say(`${resumed ? `resuming at step ${startStep} of` : 'training for'} ${config.steps} steps: Adam lr ${config.lr} (${config.schedule}), `
    + `clip ${config.clip}, dropout ${config.dropout}, seed ${config.seed}`);

  const saveCheckpoint = (step) => {
    if (!checkpointFile) return;
    writeFileAtomic(checkpointFile, checkpointBytes(torch, { model, optimizer, state, config, vocab, step, history }));
  };

  const bar = progressBar({ total: Math.max(0, stopAt - startStep), label: 'char-lm', enabled: options.progress !== false });
  const tokensPerStep = config.seqLength * config.batchSize;
  let trainMs = 0;
  let lastVal = history.evals.at(-1)?.bpc;
  for (let step = startStep; step < stopAt; step++) {
    const { window } = trainBatches.position(step);
    if (window === 0) state = null; // each pass over the streams starts from zeros
    const started = performance.now();
    const result = trainStep(torch, { model, optimizer, config }, trainBatches.window(window), state, step);
    trainMs += performance.now() - started;
    state = result.state;
    history.losses.push(result.loss);
    const done = step + 1;
    const rate = ((done - startStep) * tokensPerStep) / (trainMs / 1000);
    if (done % evalEvery === 0 || done === config.steps) {
      lastVal = evaluate(torch, model, valBatches, { maxWindows: options.evalWindows }).bpc;
      history.evals.push({ step: done, bpc: lastVal });
      say(`step ${done}: train ${(mean(history.losses.slice(-evalEvery)) / Math.LN2).toFixed(3)} bpc, validation ${lastVal.toFixed(3)} bpc, `
        + `${Math.round(rate).toLocaleString('en-US')} tokens/s`);
    }
    if (done % checkpointEvery === 0 || done === stopAt) saveCheckpoint(done);
    bar.tick(1, `train ${(result.loss / Math.LN2).toFixed(3)} bpc${lastVal === undefined ? '' : ` val ${lastVal.toFixed(3)}`} `
      + `${(rate / 1000).toFixed(1)}k tok/s`);
  }
  bar.done();
  const trainSeconds = trainMs / 1000;
  const ran = stopAt - startStep;
  const tokensPerSecond = ran > 0 ? (ran * tokensPerStep) / trainSeconds : NaN;
  if (ran > 0) {
    say(`${ran} steps in ${trainSeconds.toFixed(1)} s of training: ${Math.round(tokensPerSecond).toLocaleString('en-US')} tokens/s`
      + `${checkpointFile ? `; checkpoint ${checkpointFile}` : ''}`);
  }

  const chartFile = options.chart === undefined ? join(OUT_DIR, 'loss.svg') : options.chart;
  if (chartFile !== null && history.losses.length > 1) {
    const block = Math.max(1, Math.round(history.losses.length / 100));
    say(lossChart({
      title: `char-lm on tiny Shakespeare (${config.cell.toUpperCase()} ${config.numLayers}×${config.hiddenSize})`,
      series: [
        { name: `train (mean of ${block} steps)`, ...blockAverages(history.losses, block) },
        { name: 'validation', x: history.evals.map((e) => e.step), values: history.evals.map((e) => e.bpc) },
      ],
      file: chartFile,
      xLabel: 'step',
      yLabel: 'bits per character',
      ansi: Boolean(process.stdout.isTTY) && options.log === undefined,
    }));
  }

  const sampleLength = options.sampleLength ?? 300;
  let sampled = '';
  if (sampleLength > 0) {
    sampled = sample(torch, model, vocab, {
      prime: options.prime ?? 'ROMEO:', length: sampleLength, temperature: options.temperature ?? 0.8, random: seededRandom(config.seed),
    });
    say(`\nsample (temperature ${options.temperature ?? 0.8}):\n${sampled}\n`);
  }
  // the caller holds the final state across later steps of other runs; exempt it from the step clock
  for (const t of state ?? []) t.keep();
  return { config, step: stopAt, history, tokensPerSecond, trainSeconds, text: sampled, model, optimizer, state };
}

const CLI = {
  cell: { key: 'cell', type: 'string', choices: ['lstm', 'gru'], help: `recurrent layer (default ${DEFAULT_CONFIG.cell})` },
  hidden: { key: 'hiddenSize', type: 'int', help: `hidden size (default ${DEFAULT_CONFIG.hiddenSize})` },
  layers: { key: 'numLayers', type: 'int', help: `recurrent layers (default ${DEFAULT_CONFIG.numLayers})` },
  embedding: { key: 'embeddingDim', type: 'int', help: `character embedding size (default ${DEFAULT_CONFIG.embeddingDim})` },
  dropout: { key: 'dropout', type: 'number', help: `dropout between recurrent layers (default ${DEFAULT_CONFIG.dropout})` },
  seq: { key: 'seqLength', type: 'int', help: `TBPTT window length (default ${DEFAULT_CONFIG.seqLength})` },
  batch: { key: 'batchSize', type: 'int', help: `streams per batch (default ${DEFAULT_CONFIG.batchSize})` },
  steps: { key: 'steps', type: 'int', help: `optimizer steps (default ${DEFAULT_CONFIG.steps})` },
  lr: { key: 'lr', type: 'number', help: `peak learning rate (default ${DEFAULT_CONFIG.lr})` },
  schedule: { key: 'schedule', type: 'string', choices: ['cosine', 'step', 'constant'], help: `learning-rate schedule (default ${DEFAULT_CONFIG.schedule})` },
  'min-lr': { key: 'minLr', type: 'number', help: `cosine schedule's final learning rate (default ${DEFAULT_CONFIG.minLr})` },
  'decay-every': { key: 'decayEvery', type: 'int', help: `step schedule: steps between decays (default ${DEFAULT_CONFIG.decayEvery})` },
  'decay-gamma': { key: 'decayGamma', type: 'number', help: `step schedule: factor per decay (default ${DEFAULT_CONFIG.decayGamma})` },
  clip: { key: 'clip', type: 'number', help: `maximum total gradient norm (default ${DEFAULT_CONFIG.clip})` },
  seed: { key: 'seed', type: 'int', help: `seed of weights and dropout (default ${DEFAULT_CONFIG.seed})` },
  'eval-every': { key: 'evalEvery', type: 'int', help: 'steps between validation passes (default 200)' },
  'eval-windows': { key: 'evalWindows', type: 'int', help: 'validation windows per pass (default all)' },
  checkpoint: { key: 'checkpoint', type: 'string', help: 'checkpoint file (default examples/out/char-lm/checkpoint.safetensors)' },
  'no-checkpoint': { key: 'noCheckpoint', type: 'flag', help: 'write no checkpoint' },
  resume: { key: 'resume', type: 'flag', help: 'continue the run saved in the checkpoint' },
  'stop-at': { key: 'stopAt', type: 'int', help: 'stop after this many steps in all (resume later)' },
  'sample-length': { key: 'sampleLength', type: 'int', help: 'characters sampled at the end (default 300)' },
  prime: { key: 'prime', type: 'string', help: 'text the final sample starts from (default "ROMEO:")' },
  temperature: { key: 'temperature', type: 'number', help: 'sampling temperature (default 0.8)' },
  threads: { key: 'threads', type: 'int', help: 'kernel threads (default torch.getNumThreads(): 2 with two or more CPUs); the same results on any number' },
};

if (isMain(import.meta.url)) await runCommand(async () => {
  const args = parseCli(process.argv.slice(2), CLI, 'train:charlm');
  if (args.help) {
    console.log(usage('train:charlm', CLI, 'npm run train:charlm -- [options]: trains the char-lm on tiny Shakespeare'));
  } else {
    if (args.threads !== undefined) torch.setNumThreads(args.threads);
    const config = Object.fromEntries(Object.keys(DEFAULT_CONFIG).filter((k) => k in args).map((k) => [k, args[k]]));
    await main({
      config,
      resume: args.resume,
      checkpoint: args.noCheckpoint ? null : args.checkpoint,
      stopAt: args.stopAt,
      evalEvery: args.evalEvery,
      evalWindows: args.evalWindows,
      sampleLength: args.sampleLength,
      prime: args.prime,
      temperature: args.temperature,
    });
  }
});
