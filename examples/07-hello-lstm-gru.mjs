// Homework: the Embedding model of lesson 06 with an LSTM or a GRU as its recurrent layer, each two ways:
// nn.LSTM / nn.GRU, and built by hand from Linear layers with sigmoid/tanh gates as the course draws them.
//   LSTM:  i = σ(W_xi x + W_hi h)   f = σ(W_xf x + W_hf h)   g = tanh(W_xg x + W_hg h)   o = σ(W_xo x + W_ho h)
//          c' = f ⊙ c + i ⊙ g       h' = o ⊙ tanh(c')
//   GRU:   r = σ(W_xr x + W_hr h)   z = σ(W_xz x + W_hz h)   n = tanh(W_xn x + r ⊙ (W_hn h))
//          h' = (1 - z) ⊙ n + z ⊙ h
// (each W_x· and W_h· is a Linear layer with its own bias, so these are exactly PyTorch's LSTM and GRU maths.)
// Embedding(4, 10) -> recurrent layer (hidden 8, one layer) -> Linear(8, 4); Adam, lr 0.05, 15 epochs.
//
//   node examples/07-hello-lstm-gru.mjs     options: { seed, epochs = 15, variants, quiet, chart = true, outDir }
import * as torch from 'wasmtorch';
import { lossChart } from './lib/plot.mjs';
import { hello, isMain, printer } from './lib/run.mjs';

const { nn, optim } = torch;

const numClass = 4;
const embeddingSize = 10;
const hiddenSize = 8;

/** An LSTM layer over [batch, seqLen, input] built from Linear layers; returns [output, [h, c]] like nn.LSTM. */
export class LSTMByHand extends nn.Module {
  constructor(inputSize, hiddenSize) {
    super();
    this.hiddenSize = hiddenSize;
    this.x2i = new nn.Linear(inputSize, hiddenSize);
    this.h2i = new nn.Linear(hiddenSize, hiddenSize);
    this.x2f = new nn.Linear(inputSize, hiddenSize);
    this.h2f = new nn.Linear(hiddenSize, hiddenSize);
    this.x2g = new nn.Linear(inputSize, hiddenSize);
    this.h2g = new nn.Linear(hiddenSize, hiddenSize);
    this.x2o = new nn.Linear(inputSize, hiddenSize);
    this.h2o = new nn.Linear(hiddenSize, hiddenSize);
  }

  forward(x) {
    let h = torch.zeros(x.size(0), this.hiddenSize);
    let c = torch.zeros(x.size(0), this.hiddenSize);
    const outputs = [];
    for (let t = 0; t < x.size(1); t++) {
      const xt = x.select(1, t);
      const i = torch.sigmoid(this.x2i.forward(xt).add(this.h2i.forward(h)));
      const f = torch.sigmoid(this.x2f.forward(xt).add(this.h2f.forward(h)));
      const g = torch.tanh(this.x2g.forward(xt).add(this.h2g.forward(h)));
      const o = torch.sigmoid(this.x2o.forward(xt).add(this.h2o.forward(h)));
      c = f.mul(c).add(i.mul(g));
      h = o.mul(torch.tanh(c));
      outputs.push(h);
    }
    return [torch.stack(outputs, 1), [h, c]];
  }
}

/** A GRU layer over [batch, seqLen, input] built from Linear layers; returns [output, h] like nn.GRU. */
export class GRUByHand extends nn.Module {
  constructor(inputSize, hiddenSize) {
    super();
    this.hiddenSize = hiddenSize;
    this.x2r = new nn.Linear(inputSize, hiddenSize);
    this.h2r = new nn.Linear(hiddenSize, hiddenSize);
    this.x2z = new nn.Linear(inputSize, hiddenSize);
    this.h2z = new nn.Linear(hiddenSize, hiddenSize);
    this.x2n = new nn.Linear(inputSize, hiddenSize);
    this.h2n = new nn.Linear(hiddenSize, hiddenSize);
  }

  forward(x) {
    let h = torch.zeros(x.size(0), this.hiddenSize);
    const outputs = [];
    for (let t = 0; t < x.size(1); t++) {
      const xt = x.select(1, t);
      const r = torch.sigmoid(this.x2r.forward(xt).add(this.h2r.forward(h)));
      const z = torch.sigmoid(this.x2z.forward(xt).add(this.h2z.forward(h)));
      const n = torch.tanh(this.x2n.forward(xt).add(r.mul(this.h2n.forward(h))));
      h = z.neg().add(1).mul(n).add(z.mul(h)); // (1 - z) * n + z * h
      outputs.push(h);
    }
    return [torch.stack(outputs, 1), h];
  }
}

/** The recurrent layer of each variant. */
export const variants = {
  lstm: { label: 'nn.LSTM', layer: () => new nn.LSTM({ inputSize: embeddingSize, hiddenSize, batchFirst: true }) },
  gru: { label: 'nn.GRU', layer: () => new nn.GRU({ inputSize: embeddingSize, hiddenSize, batchFirst: true }) },
  lstmByHand: { label: 'LSTM from Linear layers', layer: () => new LSTMByHand(embeddingSize, hiddenSize) },
  gruByHand: { label: 'GRU from Linear layers', layer: () => new GRUByHand(embeddingSize, hiddenSize) },
};

export class Model extends nn.Module {
  constructor(variant) {
    super();
    this.emb = new nn.Embedding(numClass, embeddingSize);
    this.rnn = variants[variant].layer();
    this.fc = new nn.Linear(hiddenSize, numClass);
  }

  forward(x) {
    x = this.emb.forward(x); // (batch, seqLen, embeddingSize)
    [x] = this.rnn.forward(x); // (batch, seqLen, hiddenSize); h0 (and c0) default to zeros
    x = this.fc.forward(x);
    return x.view(-1, numClass);
  }
}

function train(variant, { seed, epochs, print }) {
  const inputs = torch.LongTensor([hello.xData]);
  const labels = torch.LongTensor(hello.yData);

  if (seed !== undefined) torch.manualSeed(seed);
  const net = new Model(variant);

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
  return { predictions, losses };
}

export async function main({ seed, epochs = 15, variants: chosen = Object.keys(variants), quiet = false, chart = true, outDir } = {}) {
  const { print, lines } = printer({ quiet });
  const results = {};
  for (const variant of chosen) {
    if (!(variant in variants)) throw new Error(`07-hello-lstm-gru: unknown variant '${variant}', expected one of ${Object.keys(variants).join(', ')}`);
    print('='.repeat(20), variants[variant].label, '='.repeat(20));
    results[variant] = train(variant, { seed, epochs, print });
  }

  if (chart) {
    const text = lossChart({
      title: "'hello' -> 'ohlol': LSTM and GRU, Adam lr 0.05",
      series: chosen.map((v) => ({ name: variants[v].label, values: results[v].losses })),
      file: '07-hello-lstm-gru.svg', dir: outDir,
    });
    print(text);
  }
  return { lines, results };
}

if (isMain(import.meta.url)) await main();
