// Text from a trained char-lm checkpoint: the prime string, then characters drawn one at a time from
// softmax(logits / temperature) and fed back.
//
//   npm run sample -- --prime "ROMEO:"
//   npm run sample -- --prime "JULIET:" --length 1000 --temperature 0.5 --seed 3
import { existsSync, readFileSync } from 'node:fs';
import * as torch from 'wasmtorch';
import { isMain } from '../lib/run.mjs';
import { parseCli, runCommand, usage } from './cli.mjs';
import { CharVocab } from './data.mjs';
import { createCharLM, resolveConfig, sample, seededRandom } from './model.mjs';
import { readCheckpoint } from './checkpoint.mjs';
import { DEFAULT_CHECKPOINT } from './train.mjs';

/**
 * Loads the model of `checkpoint` and returns `{ text, step, config }` for `prime` followed by `length`
 * sampled characters. `write(chunk)` receives the text as it is produced (default: stdout; null for silence).
 */
export async function main({ checkpoint = DEFAULT_CHECKPOINT, prime = 'ROMEO:', length = 500, temperature = 0.8, seed = 0, write } = {}) {
  if (!existsSync(checkpoint)) {
    throw new Error(`sample: no checkpoint at ${checkpoint}; train one first with \`npm run train:charlm\` (or pass --checkpoint)`);
  }
  const saved = readCheckpoint(torch, readFileSync(checkpoint));
  const config = resolveConfig(saved.config);
  const vocab = new CharVocab(saved.vocabChars);
  const model = createCharLM(torch, vocab.size, config);
  saved.restore(model);
  const out = write === undefined ? (chunk) => process.stdout.write(chunk) : write;
  vocab.encode(prime); // a character outside the vocabulary throws before anything is written
  out?.(prime);
  const text = sample(torch, model, vocab, { prime, length, temperature, random: seededRandom(seed), onText: out ?? undefined });
  out?.('\n');
  return { text, step: saved.step, config };
}

const CLI = {
  prime: { key: 'prime', type: 'string', help: 'text to start from (default "ROMEO:")' },
  length: { key: 'length', type: 'int', help: 'characters to sample (default 500)' },
  temperature: { key: 'temperature', type: 'number', help: 'softmax temperature, 0 for the likeliest character (default 0.8)' },
  seed: { key: 'seed', type: 'int', help: 'seed of the sampling generator (default 0)' },
  checkpoint: { key: 'checkpoint', type: 'string', help: 'checkpoint file (default examples/out/char-lm/checkpoint.safetensors)' },
};

if (isMain(import.meta.url)) await runCommand(async () => {
  const args = parseCli(process.argv.slice(2), CLI, 'sample');
  if (args.help) console.log(usage('sample', CLI, 'npm run sample -- [options]: text from the char-lm checkpoint'));
  else await main(args);
});
