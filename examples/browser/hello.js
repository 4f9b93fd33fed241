// 'hello' -> 'ohlol' with an RNNCell, as examples/04-hello-rnncell.mjs: one-hot letters, hidden 4 (one score per
// letter), cross-entropy summed over the 5 steps, Adam lr 0.1. Written against a `torch` passed in, so the
// same function runs in the demo's worker (browser bundle) and under Node (test/browser/demo.test.ts compares
// the two runs number for number).

const IDX2CHAR = ['e', 'h', 'l', 'o'];
const X_DATA = [1, 0, 2, 2, 3]; // h e l l o
const Y_DATA = [3, 1, 2, 3, 2]; // o h l o l

/**
 * Trains from `torch.manualSeed(seed)` for `epochs` epochs; `onEpoch({ epoch, loss, predicted })` sees each one.
 * Returns every epoch's loss and predicted string.
 */
export function trainHello(torch, { seed = 1, epochs = 15, lr = 0.1, onEpoch = () => {} } = {}) {
  const { nn, optim } = torch;
  const inputs = torch.eye(4).indexSelect(0, torch.LongTensor(X_DATA)).view(-1, 1, 4); // (seq, batch 1, 4)
  const labels = torch.LongTensor(Y_DATA).view(-1, 1);
  torch.manualSeed(seed);
  const cell = new nn.RNNCell(4, 4);
  const criterion = new nn.CrossEntropyLoss();
  const optimizer = new optim.Adam(cell.parameters(), { lr });
  const losses = [];
  const predictions = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    optimizer.zeroGrad();
    let hidden = torch.zeros(1, 4);
    let loss = torch.zeros([]);
    let predicted = '';
    for (const [input, label] of torch.zip(inputs, labels)) {
      hidden = cell.forward(input, hidden);
      loss = loss.add(criterion.forward(hidden, label));
      predicted += IDX2CHAR[hidden.argmax(1).item()];
    }
    loss.backward();
    optimizer.step();
    losses.push(loss.item());
    predictions.push(predicted);
    onEpoch({ epoch, loss: loss.item(), predicted });
  }
  return { losses, predictions };
}
