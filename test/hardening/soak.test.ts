/**
 * Memory soak: long training loops written the PyTorch way (soak-models.ts), with no manual freeing, keep
 * `torch.memory().bytes`, the live tensor count and the process RSS flat after warm-up.
 *
 * `npm test` runs bounded loops (5,000 course-RNN iterations, 300 LSTM steps). `WASMTORCH_SOAK=long` runs the
 * full counts (100,000 and 5,000) and prints the figures recorded in README.md's Reliability section.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as torch from '../../src/index';
import { DEFAULT_BACKEND } from '../helpers/backends';
import { trainLstm, trainNames, type SoakSample } from './soak-models';

const LONG = process.env.WASMTORCH_SOAK === 'long';
const RNN_ITERATIONS = LONG ? 100_000 : 5_000;
const LSTM_STEPS = LONG ? 5_000 : 300;
const MiB = 2 ** 20;
/** RSS may move with the JS heap's own sizing; a leak of tensors would grow it with the step count */
const RSS_SLACK = 64 * MiB;

function summary(name: string, samples: SoakSample[], seconds: number): string {
  const bytes = samples.map((s) => s.bytes);
  const rss = samples.map((s) => s.rss / MiB);
  const first = samples[0];
  const last = samples[samples.length - 1];
  return `${name}: ${last.step} steps in ${seconds.toFixed(1)} s (${torch.backend()}); ` +
    `torch.memory().bytes ${Math.min(...bytes)}..${Math.max(...bytes)} (first sample ${first.bytes}, last ${last.bytes}); ` +
    `tensors ${first.tensors} -> ${last.tensors}; RSS ${rss[0].toFixed(0)} -> ${rss[rss.length - 1].toFixed(0)} MiB ` +
    `(max ${Math.max(...rss).toFixed(0)}); loss ${first.loss.toFixed(3)} -> ${last.loss.toFixed(3)}\n` +
    `  RSS MiB per ${samples[0].step} steps: ${rss.map((r) => r.toFixed(0)).join(' ')}`;
}

/** Flat after warm-up: the later half never exceeds what the earlier half reached (plus slack). */
function expectFlat(samples: SoakSample[], warmup: number): void {
  const steady = samples.slice(warmup);
  const half = Math.floor(steady.length / 2);
  const early = steady.slice(0, half);
  const late = steady.slice(half);
  const max = (xs: SoakSample[], key: 'bytes' | 'tensors' | 'rss') => Math.max(...xs.map((s) => s[key]));
  expect(max(late, 'bytes'), 'torch.memory().bytes').toBeLessThanOrEqual(max(early, 'bytes') * 1.2);
  expect(max(late, 'tensors'), 'live tensors').toBeLessThanOrEqual(max(early, 'tensors') * 1.5 + 16);
  expect(max(late, 'rss') - steady[0].rss, 'process RSS growth after warm-up').toBeLessThan(RSS_SLACK);
}

function timed<T>(fn: () => T): [T, number] {
  const start = performance.now();
  const result = fn();
  return [result, (performance.now() - start) / 1000];
}

describe(`memory soak (${LONG ? 'long' : 'bounded'} mode)`, () => {
  afterAll(() => torch.setBackend(DEFAULT_BACKEND));

  it(`the course name classifier trains ${RNN_ITERATIONS} iterations in bounded memory`, () => {
    torch.setBackend('wasm');
    const every = RNN_ITERATIONS / 20;
    const [samples, seconds] = timed(() => trainNames(RNN_ITERATIONS, every));
    if (LONG) console.log(summary('course RNN', samples, seconds));
    expectFlat(samples, 2);
    expect(samples[samples.length - 1].loss).toBeLessThan(samples[0].loss);
  }, LONG ? 1_800_000 : 120_000);

  it(`a batched LSTM with Adam trains ${LSTM_STEPS} steps in bounded memory`, () => {
    torch.setBackend('wasm');
    const every = LSTM_STEPS / 20;
    const [samples, seconds] = timed(() => trainLstm(LSTM_STEPS, every));
    if (LONG) console.log(summary('batched LSTM', samples, seconds));
    expectFlat(samples, 2);
    // with nothing left to reclaim the footprint is exactly constant
    expect(new Set(samples.slice(2).map((s) => s.bytes)).size).toBe(1);
    expect(samples[samples.length - 1].loss).toBeLessThan(samples[0].loss);
  }, LONG ? 1_800_000 : 120_000);

  it('the pure-JS kernel set stays bounded too', () => {
    torch.setBackend('js');
    const [samples, seconds] = timed(() => trainNames(LONG ? 20_000 : 600, LONG ? 1_000 : 60, 2));
    if (LONG) console.log(summary('course RNN', samples, seconds));
    expectFlat(samples, 2);
    const [lstm, lstmSeconds] = timed(() => trainLstm(LONG ? 1_000 : 40, LONG ? 50 : 4, 2));
    if (LONG) console.log(summary('batched LSTM', lstm, lstmSeconds));
    expectFlat(lstm, 2);
  }, LONG ? 1_800_000 : 120_000);
});
