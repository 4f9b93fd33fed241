// Lesson: nn.RNN runs the whole sequence in one call. Input [seq, batch, input] (or [batch, seq, input] with
// batchFirst), h0 [numLayers, batch, hidden]; it returns every step's hidden state of the last layer (output) and
// the last step's hidden state of every layer (hn).
//
//   node examples/02-rnn.mjs                options: { seed, quiet }
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
  const numLayers = 1;

  const cell = new nn.RNN({ inputSize, hiddenSize, numLayers });

  // (seqLen, batchSize, inputSize)
  const inputs = torch.randn(seqLen, batchSize, inputSize);
  const hidden = torch.zeros(numLayers, batchSize, hiddenSize);

  const [out, hn] = cell.forward(inputs, hidden);
  print('Output size:', out.shape);
  print('Output:', out);
  print('Hidden size:', hn.shape);
  print('Hidden:', hn);

  print();
  print('='.repeat(20), 'batchFirst: true', '='.repeat(20));
  const cellBatchFirst = new nn.RNN({ inputSize, hiddenSize, numLayers, batchFirst: true });

  // (batchSize, seqLen, inputSize)
  const inputsBatchFirst = torch.randn(batchSize, seqLen, inputSize);
  print('Input size:', inputsBatchFirst.shape);
  const [outBatchFirst, hnBatchFirst] = cellBatchFirst.forward(inputsBatchFirst, hidden);
  print('Output size:', outBatchFirst.shape);
  print('Output:', outBatchFirst);
  print('Hidden size:', hnBatchFirst.shape);
  print('Hidden:', hnBatchFirst);

  return {
    lines,
    output: out.tolist(), hidden: hn.tolist(),
    outputBatchFirst: outBatchFirst.tolist(), hiddenBatchFirst: hnBatchFirst.tolist(),
  };
}

if (isMain(import.meta.url)) await main();
