// PyTorch -> wasmtorch: load the checkpoint export_from_pytorch.py wrote into the same model here and check
// that wasmtorch predicts what PyTorch predicted (logits within 1e-4, the same language for every name).
//
//   /usr/bin/python3 examples/checkpoint/export_from_pytorch.py
//   node examples/checkpoint/import.mjs [DIR]            # DIR: examples/out/checkpoint by default
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from 'wasmtorch';
import { isMain, printer } from '../lib/run.mjs';
import { NameClassifier, logitsOf, argmax } from './model.mjs';
import { DEFAULT_DIR } from './export.mjs';

export async function main({ dir = DEFAULT_DIR, quiet = false } = {}) {
  const { print, lines } = printer({ quiet });
  const expected = JSON.parse(readFileSync(join(dir, 'names-lstm-pytorch.predictions.json'), 'utf8'));
  const { categories, names } = expected;
  const model = new NameClassifier(categories.length);
  model.loadStateDict(torch.load(join(dir, 'names-lstm-pytorch.safetensors'))); // strict: keys and shapes must match
  const logits = logitsOf(model, names);
  let worst = 0;
  logits.forEach((row, i) => row.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - expected.logits[i][j])))));
  const same = logits.every((row, i) => argmax(row) === argmax(expected.logits[i]));
  names.forEach((name, i) => print(`${name.padEnd(13)} -> ${categories[argmax(logits[i])]}`));
  print(`wasmtorch (${torch.backend()}) vs PyTorch: largest logit difference ${worst.toExponential(2)}, same predictions: ${same}`);
  return { lines, worst, same, ok: same && worst <= 1e-4 };
}

if (isMain(import.meta.url)) {
  const { ok } = await main({ dir: process.argv[2] ?? DEFAULT_DIR });
  process.exitCode = ok ? 0 : 1;
}
