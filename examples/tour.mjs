// `npm start`: a short tour of the course's recurrent-network lessons, one heading per example, each run with
// short settings. examples/README.md lists how to run each with full settings.
//
//   node examples/tour.mjs                  options: { quiet, only: ['04', ...] (file-name prefixes) }
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isMain } from './lib/run.mjs';

const here = dirname(fileURLToPath(import.meta.url));

/** The tour's stops: file (under examples/), what it shows, and the options of its short run. */
export const stops = [
  { file: '01-rnncell.mjs', about: 'an RNNCell stepped over a sequence by hand', options: {} },
  { file: '02-rnn.mjs', about: 'nn.RNN over the whole sequence, then with batchFirst', options: {} },
  { file: '03-relu-hand-computation.mjs', about: 'a ReLU RNN checked by hand: 5, 8, 16, 18', options: {} },
  { file: '04-hello-rnncell.mjs', about: "'hello' -> 'ohlol' with an RNNCell and Adam", options: {} },
  { file: '05-hello-rnn.mjs', about: "'hello' -> 'ohlol' with nn.RNN", options: {} },
  { file: '06-hello-embedding.mjs', about: 'Embedding + 2-layer RNN + Linear', options: {} },
  { file: '07-hello-lstm-gru.mjs', about: 'homework: LSTM and GRU, from nn and from Linear layers', options: {} },
  { file: 'names/classify.mjs', about: 'classify surnames by language with a character RNN', options: { quick: true }, optional: true },
  { file: 'names/batched.mjs', about: 'the names classifier, batched', options: { quick: true }, optional: true },
];

const bold = (text) => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text);

export async function main({ quiet = false, only } = {}) {
  const say = quiet ? () => {} : (text) => console.log(text);
  const chosen = stops.filter((s) => (!only || only.some((p) => s.file.startsWith(p))) && (!s.optional || existsSync(join(here, s.file))));
  const results = [];
  for (const [i, stop] of chosen.entries()) {
    const heading = `${i + 1}/${chosen.length}  ${stop.file}: ${stop.about}`;
    say(`\n${bold(`━━━━ ${heading} ${'━'.repeat(Math.max(4, 100 - heading.length))}`)}\n`);
    const started = performance.now();
    const example = await import(pathToFileURL(join(here, stop.file)).href);
    const result = await example.main({ ...stop.options, quiet });
    const seconds = (performance.now() - started) / 1000;
    const took = seconds < 1 ? `${Math.round(seconds * 1000)} ms` : `${seconds.toFixed(1)} s`;
    say(`\n(${stop.file} took ${took}; full run: node examples/${stop.file})`);
    results.push({ file: stop.file, seconds, result });
  }
  say('\nThe tour is over. examples/README.md says how to run each example with full settings.');
  return results;
}

if (isMain(import.meta.url)) await main();
