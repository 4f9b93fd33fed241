// Lesson: an RNNCell stepped by hand over a sequence of 3 steps (batch 1, 4 features), hidden size 2.
// The cell takes one step's input [batch, input] and the previous hidden state [batch, hidden] and returns the
// next hidden state, h' = tanh(W_ih x + b_ih + W_hh h + b_hh).
//
//   node examples/01-rnncell.mjs            options: { seed, quiet }
import * as torch from 'wasmtorch';
import { isMain, printer } from './lib/run.mjs';

const { nn } = torch;

export async function main({ seed, quiet = false } = {}) {
  const { print, lines } = printer({ quiet });
  if (seed !== undefined) torch.manualSeed(seed);

  const batchSize = 1;
  const seqLen = 3;
  const inputSize = 4;
  const hiddenSize = 2;

  const cell = new nn.RNNCell({ inputSize, hiddenSize });

  // (seq, batch, features)
  const dataset = torch.randn(seqLen, batchSize, inputSize);
  let hidden = torch.zeros(batchSize, hiddenSize);

  const hiddens = [];
  let idx = 0;
  for (const input of dataset) {
    print('='.repeat(20), idx, '='.repeat(20));
    print('Input size:', input.shape);

    hidden = cell.forward(input, hidden);

    print('outputs size:', hidden.shape);
    print(hidden);
    hiddens.push(String(hidden));
    idx += 1;
  }
  return { lines, hiddens };
}

if (isMain(import.meta.url)) await main();
