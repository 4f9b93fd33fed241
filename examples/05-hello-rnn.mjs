// Lesson: the same task with nn.RNN over the whole sequence. The output [seqLen, batch, hidden] is reshaped to
// [seqLen * batch, 4] scores, so one CrossEntropyLoss call (mean over the 5 letters) scores the whole string.
// Adam, lr 0.05 (as the course's nn.RNN version), 15 epochs.
//
//   node examples/05-hello-rnn.mjs          options: { seed, epochs = 15, lr = 0.05, quiet, chart = true, outDir }
import * as torch from 'wasmtorch';
import { lossChart } from './lib/plot.mjs';
import { hello, isMain, printer } from './lib/run.mjs';

const { nn, optim } = torch;

class Model extends nn.Module {
  constructor(inputSize, hiddenSize, batchSize, numLayers = 1) {
    super();
    this.numLayers = numLayers;
    this.batchSize = batchSize;
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.rnn = new nn.RNN({ inputSize: this.inputSize, hiddenSize: this.hiddenSize, numLayers });
  }

  forward(input) {
    const hidden = torch.zeros(this.numLayers, this.batchSize, this.hiddenSize);
    const [out] = this.rnn.forward(input, hidden);
    return out.view(-1, this.hiddenSize); // (seqLen * batchSize, hiddenSize)
  }
}

export async function main({ seed, epochs = 15, lr = 0.05, quiet = false, chart = true, outDir } = {}) {
  const { print, lines } = printer({ quiet });
  const inputSize = 4;
  const hiddenSize = 4;
  const batchSize = 1;
  const numLayers = 1;
  const seqLen = 5;
  const { xData, yData, oneHotLookup } = hello;

  const xOneHot = xData.map((x) => oneHotLookup[x]);
  const inputs = torch.Tensor(xOneHot).view(seqLen, batchSize, inputSize);
  const labels = torch.LongTensor(yData);

  if (seed !== undefined) torch.manualSeed(seed);
  const net = new Model(inputSize, hiddenSize, batchSize, numLayers);

  const criterion = new nn.CrossEntropyLoss();
  const optimizer = new optim.Adam(net.parameters(), { lr });

  const predictions = [];
  const losses = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    optimizer.zeroGrad();
    const outputs = net.forward(inputs);
    const loss = criterion.forward(outputs, labels);
    loss.backward();
    optimizer.step();

    const [, idx] = outputs.max(1);
    const predicted = hello.decode(idx.toArray());
    print(`Predicted:  ${predicted}, Epoch [${epoch + 1}/${epochs}] loss = ${loss.item().toFixed(3)}`);
    predictions.push(predicted);
    losses.push(loss.item());
  }

  if (chart) {
    const text = lossChart({
      title: `'hello' -> 'ohlol': nn.RNN, Adam lr ${lr}`, yLabel: 'loss (mean over 5 letters)',
      series: [{ name: 'nn.RNN', values: losses }], file: '05-hello-rnn.svg', dir: outDir,
    });
    print(text);
  }
  return { lines, predictions, losses };
}

if (isMain(import.meta.url)) await main();
