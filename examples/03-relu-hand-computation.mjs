// Lesson: check an RNN by hand. One input feature pair, one hidden unit, ReLU, no bias, weights set through
// `.data`:  h_t = relu(W_ih · x_t + W_hh · h_{t-1}) with W_ih = [[-1, 3]], W_hh = [[2]] and h_0 = 0.
// Both nn.RNNCell (stepped by hand) and nn.RNN (the whole sequence) give 5, 8, 16, 18.
//
//   node examples/03-relu-hand-computation.mjs        options: { quiet }
import * as torch from 'wasmtorch';
import { isMain, printer } from './lib/run.mjs';

const { nn } = torch;

/** A number for the hand computation, negative ones in parentheses. */
const n = (v) => (v < 0 ? `(${v})` : String(v));

export async function main({ quiet = false } = {}) {
  const { print, lines } = printer({ quiet });

  const xs = [[[1, 2]], [[2, 0]], [[3, 1]], [[-1, -5]]]; // (seq 4, batch 1, input 2)
  const wIh = [-1, 3];
  const wHh = 2;
  const x = torch.Tensor(xs);

  print('='.repeat(20), 'RNNCell', '='.repeat(20));
  const cell = new nn.RNNCell(2, 1, { bias: false, nonlinearity: 'relu' });
  cell.weight_ih.data = torch.Tensor([wIh]);
  cell.weight_hh.data = torch.Tensor([[wHh]]);

  let hidden = torch.zeros(1, 1);
  let byHand = 0;
  const cellValues = [];
  xs.forEach(([[x0, x1]], t) => {
    hidden = cell.forward(x.get(t), hidden);
    const sum = wIh[0] * x0 + wIh[1] * x1 + wHh * byHand;
    print(`h${t + 1} = relu(${n(wIh[0])}·${n(x0)} + ${n(wIh[1])}·${n(x1)} + ${n(wHh)}·${n(byHand)}) = relu(${sum}) = ${Math.max(0, sum)}`);
    byHand = Math.max(0, sum);
    print(hidden);
    cellValues.push(hidden.item());
  });

  print('='.repeat(20), 'RNN', '='.repeat(20));
  const rnn = new nn.RNN(2, 1, { bias: false, nonlinearity: 'relu' });
  rnn.weight_ih_l0.data = torch.Tensor([wIh]);
  rnn.weight_hh_l0.data = torch.Tensor([[wHh]]);
  const [out, hn] = rnn.forward(x, torch.zeros(1, 1, 1));
  print('Output:', out);
  print('Hidden:', hn);

  return { lines, cell: cellValues, rnn: Array.from(out.toArray()), hidden: hn.item() };
}

if (isMain(import.meta.url)) await main();
