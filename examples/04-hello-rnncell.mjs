// Lesson: learn 'hello' -> 'ohlol' with an RNNCell (input 4 = one-hot letters, hidden 4 = one score per letter).
// The cell is stepped over the 5 letters; the cross-entropy of each step's hidden state against the target
// letter is summed into one loss per epoch; Adam, lr 0.1, 15 epochs.
//
//   node examples/04-hello-rnncell.mjs      options: { seed, epochs = 15, quiet, chart = true, outDir }
import * as torch from 'wasmtorch';
import { lossChart } from './lib/plot.mjs';
import { hello, isMain, printer } from './lib/run.mjs';

const { nn, optim } = torch;

class Model extends nn.Module {
  constructor(inputSize, hiddenSize, batchSize) {
    super();
    this.batchSize = batchSize;
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.rnncell = new nn.RNNCell({ inputSize: this.inputSize, hiddenSize: this.hiddenSize });
  }

  forward(input, hidden) {
    return this.rnncell.forward(input, hidden);
  }

  initHidden() {
    return torch.zeros(this.batchSize, this.hiddenSize);
  }
}

export async function main({ seed, epochs = 15, quiet = false, chart = true, outDir } = {}) {
  const { print, lines } = printer({ quiet });
  const inputSize = 4;
  const hiddenSize = 4;
  const batchSize = 1;
  const { idx2char, xData, yData, oneHotLookup } = hello;

  const xOneHot = xData.map((x) => oneHotLookup[x]);
  const inputs = torch.Tensor(xOneHot).view(-1, batchSize, inputSize); // (seqLen, batchSize, inputSize)
  const labels = torch.LongTensor(yData).view(-1, 1); // (seqLen, 1)

  if (seed !== undefined) torch.manualSeed(seed);
  const net = new Model(inputSize, hiddenSize, batchSize);

  const criterion = new nn.CrossEntropyLoss();
  const optimizer = new optim.Adam(net.parameters(), { lr: 0.1 });

  const predictions = [];
  const losses = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    let loss = torch.zeros([]);
    optimizer.zeroGrad();
    let hidden = net.initHidden();
    let predicted = '';
    for (const [input, label] of torch.zip(inputs, labels)) {
      hidden = net.forward(input, hidden);
      loss = loss.add(criterion.forward(hidden, label));
      const [, idx] = hidden.max(1);
      predicted += idx2char[idx.item()];
    }
    loss.backward();
    optimizer.step();
    print(`Predicted string: ${predicted}, Epoch [${epoch + 1}/${epochs}] loss=${loss.item().toFixed(4)}`);
    predictions.push(predicted);
    losses.push(loss.item());
  }

  if (chart) {
    const text = lossChart({
      title: "'hello' -> 'ohlol': RNNCell, Adam lr 0.1", yLabel: 'loss (sum over 5 steps)',
      series: [{ name: 'RNNCell', values: losses }], file: '04-hello-rnncell.svg', dir: outDir,
    });
    print(text);
  }
  return { lines, predictions, losses };
}

if (isMain(import.meta.url)) await main();
