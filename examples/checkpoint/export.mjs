// wasmtorch -> PyTorch: train a small name classifier here, save its state dict as safetensors, and record its
// logits for a few names, so that load_in_pytorch.py can load the file into the same model in PyTorch and check
// that PyTorch predicts the same.
//
//   node examples/checkpoint/export.mjs                 # 300 training steps, files in examples/out/checkpoint/
//   /usr/bin/python3 examples/checkpoint/load_in_pytorch.py
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from 'wasmtorch';
import { isMain, printer } from '../lib/run.mjs';
import { loadNames } from '../names/data.mjs';
import { NameClassifier, SAMPLE_NAMES, encodeNames, logitsOf, argmax } from './model.mjs';

const { nn, optim } = torch;
export const DEFAULT_DIR = fileURLToPath(new URL('../out/checkpoint/', import.meta.url));

/** One mini-batch: a random language, then a random training name of it, `size` times. */
function randomBatch(categories, trainLines, size) {
  const cats = torch.randint(0, categories.length, [size]).tolist();
  const names = cats.map((c) => {
    const lines = trainLines[categories[c]];
    return lines[torch.randint(0, lines.length, [1]).item()];
  });
  return [names, torch.tensor(Int32Array.from(cats))];
}

export async function main({ steps = 300, seed = 0, outDir = DEFAULT_DIR, quiet = false } = {}) {
  const { print, lines } = printer({ quiet });
  torch.manualSeed(seed);
  const { categories, trainLines } = loadNames();
  const model = new NameClassifier(categories.length);
  const optimizer = new optim.Adam(model.parameters(), { lr: 0.005 });
  const criterion = new nn.CrossEntropyLoss();
  for (let step = 1; step <= steps; step++) {
    const [names, target] = randomBatch(categories, trainLines, 64);
    optimizer.zeroGrad();
    const loss = criterion.forward(model.forward(...encodeNames(names)), target);
    loss.backward();
    optimizer.step();
    if (step % 100 === 0 || step === steps) print(`step ${step}: loss ${loss.item().toFixed(4)}`);
  }

  mkdirSync(outDir, { recursive: true });
  const checkpoint = join(outDir, 'names-lstm.safetensors');
  torch.save(model.stateDict(), checkpoint, { metadata: { categories: JSON.stringify(categories), written_by: 'wasmtorch' } });
  const logits = logitsOf(model, SAMPLE_NAMES);
  writeFileSync(join(outDir, 'names-lstm.predictions.json'), `${JSON.stringify({ categories, names: SAMPLE_NAMES, logits })}\n`);
  print(`saved ${checkpoint} (${Object.keys(model.stateDict()).join(', ')})`);
  SAMPLE_NAMES.forEach((name, i) => print(`${name.padEnd(13)} -> ${categories[argmax(logits[i])]}`));
  return { lines, checkpoint, categories, logits };
}

if (isMain(import.meta.url)) await main();
