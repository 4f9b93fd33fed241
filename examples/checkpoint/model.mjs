// The model both directions of the checkpoint example share, written the same way in names_model.py:
// letters -> Embedding(57 letters + padding, 16) -> LSTM(16, 32, batch first) -> the output at each name's last
// real letter -> Linear(32, languages). State-dict keys: emb.weight, lstm.{weight,bias}_{ih,hh}_l0, head.{weight,bias}.
import * as torch from 'wasmtorch';
import { letterToIndex, N_LETTERS } from '../names/data.mjs';

const { nn } = torch;

/** Token id of padding: one past the 57 letters. */
export const PAD = N_LETTERS;

/** Names whose predicted languages both sides print and compare. */
export const SAMPLE_NAMES = ['Dostoevsky', 'Nakamura', 'Schmidt', "O'Brien", 'Rossi', 'Nguyen', 'Kowalski', 'Garcia', 'Dubois', 'Papadopoulos', 'Chen', 'Kim'];

export class NameClassifier extends nn.Module {
  constructor(nCategories, { embeddingDim = 16, hiddenSize = 32 } = {}) {
    super();
    this.emb = new nn.Embedding(N_LETTERS + 1, embeddingDim, { paddingIdx: PAD });
    this.lstm = new nn.LSTM(embeddingDim, hiddenSize, { batchFirst: true });
    this.head = new nn.Linear(hiddenSize, nCategories);
  }

  /** ids: int64 [batch, time] padded with PAD; lengths: int64 [batch]. Returns logits [batch, nCategories]. */
  forward(ids, lengths) {
    const [out] = this.lstm.forward(this.emb.forward(ids));
    const [batch, , hidden] = out.shape;
    const last = lengths.sub(1).view(batch, 1, 1).expand(batch, 1, hidden);
    return this.head.forward(out.gather(1, last).squeeze(1));
  }
}

/** Names -> [ids [batch, longest] padded with PAD, lengths [batch]], both int64. */
export function encodeNames(names) {
  const longest = Math.max(...names.map((n) => n.length));
  const ids = new Int32Array(names.length * longest).fill(PAD);
  names.forEach((name, b) => {
    for (let t = 0; t < name.length; t++) ids[b * longest + t] = letterToIndex(name[t]);
  });
  return [torch.tensor(ids).view(names.length, longest), torch.tensor(Int32Array.from(names, (n) => n.length))];
}

/** Logits [names.length, nCategories] as nested arrays, without recording a graph. */
export function logitsOf(model, names) {
  return torch.noGrad(() => model.eval().forward(...encodeNames(names)).tolist());
}

/** Index of the largest value. */
export function argmax(row) {
  return row.reduce((best, v, i) => (v > row[best] ? i : best), 0);
}
