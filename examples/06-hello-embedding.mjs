// Lesson: letters as learned embeddings instead of one-hot rows. Embedding(4, 10) turns token ids [batch, seqLen]
// into [batch, seqLen, 10]; a 2-layer RNN (batchFirst, hidden 8) reads them; Linear(8, 4) turns each hidden
// state into 4 letter scores. Adam, lr 0.05, 15 epochs.
//
//   node examples/06-hello-embedding.mjs    options: { seed, epochs = 15, quiet, chart = true, outDir }
import * as torch from 'wasmtorch';
import { lossChart } from './lib/plot.mjs';
import { hello, isMain, printer } from './lib/run.mjs';

const { nn, optim } = torch;

const numClass = 4;
const inputSize = 4;
const hiddenSize = 8;
const embeddingSize = 10;
const numLayers = 2;

class Model extends nn.Module {
  constructor() {
    super();
    this.emb = new nn.Embedding(inputSize, embeddingSize);
    this.rnn = new nn.RNN({ inputSize: embeddingSize, hiddenSize, numLayers, batchFirst: true });
    this.fc = new nn.Linear(hiddenSize, numClass);
  }

  forward(x) {
    const hidden = torch.zeros(numLayers, x.size(0), hiddenSize);
    x = this.emb.forward(x); // (batch, seqLen, embeddingSize)
    [x] = this.rnn.forward(x, hidden);
    x = this.fc.forward(x);
    return x.view(-1, numClass);
  }
}

export async function main({ seed, epochs = 15, quiet = false, chart = true, outDir } = {}) {
  const { print, lines } = printer({ quiet });
  const inputs = torch.LongTensor([hello.xData]); // (batch, seqLen)
  const labels = torch.LongTensor(hello.yData); // (batch * seqLen)

  if (seed !== undefined) torch.manualSeed(seed);
  const net = new Model();

  const criterion = new nn.CrossEntropyLoss();
  const optimizer = new optim.Adam(net.parameters(), { lr: 0.05 });

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
      title: "'hello' -> 'ohlol': Embedding + 2-layer RNN + Linear, Adam lr 0.05",
      series: [{ name: 'Embedding + RNN', values: losses }], file: '06-hello-embedding.svg', dir: outDir,
    });
    print(text);
  }
  return { lines, predictions, losses };
}

if (isMain(import.meta.url)) await main();
