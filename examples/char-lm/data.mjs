// Characters as token ids, and the batch layout of truncated backprop through time. No Node built-ins and no
// torch: this file runs unchanged in a browser worker (the text is read by the caller).
//
// Layout (char-rnn's): a split's ids are cut into `batch` contiguous streams of equal length, one per batch
// row; window w holds steps [w·seq, (w+1)·seq) of every stream, so row b of window w + 1 continues row b of
// window w and the hidden state carried from one window to the next reads the text in order. Targets are the
// inputs shifted by one character. Arrays are sequence-major ([seq, batch]): element [t, b] is at t·batch + b.

/** The characters of a text, sorted by code point: token id = position. */
export class CharVocab {
  /** @param {string[]} chars distinct characters in id order */
  constructor(chars) {
    this.chars = chars;
    this.index = new Map(chars.map((c, i) => [c, i]));
    if (this.index.size !== chars.length) throw new Error(`CharVocab: characters must be distinct, got ${JSON.stringify(chars.join(''))}`);
  }

  /** Every distinct character of `text` (split by code point), sorted as Python's `sorted(set(text))`. */
  static fromText(text) {
    return new CharVocab([...new Set(Array.from(text))].sort((a, b) => a.codePointAt(0) - b.codePointAt(0)));
  }

  get size() {
    return this.chars.length;
  }

  /** Token ids of `text`; a character outside the vocabulary throws. */
  encode(text) {
    const chars = Array.from(text);
    const ids = new Int32Array(chars.length);
    chars.forEach((c, i) => {
      const id = this.index.get(c);
      if (id === undefined) {
        throw new Error(`CharVocab.encode: character ${JSON.stringify(c)} at position ${i} is not in the vocabulary of ${this.size} characters`);
      }
      ids[i] = id;
    });
    return ids;
  }

  /** The text of token ids. */
  decode(ids) {
    let out = '';
    for (const id of ids) out += this.chars[id];
    return out;
  }
}

/** First `trainFraction` of the ids (rounded down) for training, the rest for validation (views, not copies). */
export function splitIds(ids, trainFraction = 0.9) {
  const cut = Math.floor(ids.length * trainFraction);
  return { train: ids.subarray(0, cut), val: ids.subarray(cut) };
}

/** Unigram entropy of `ids` in bits per token: what a model that ignores context can reach at best. */
export function unigramEntropyBits(ids, vocabSize) {
  const counts = new Float64Array(vocabSize);
  for (const id of ids) counts[id]++;
  let bits = 0;
  for (const c of counts) if (c > 0) bits -= (c / ids.length) * Math.log2(c / ids.length);
  return bits;
}

/** The windows of one split for a given batch and sequence length. */
export class StreamBatcher {
  /**
   * @param {Int32Array} ids the split's token ids
   * @param {number} batch streams (batch rows)
   * @param {number} seq steps per window
   */
  constructor(ids, batch, seq) {
    if (!(Number.isInteger(batch) && batch > 0 && Number.isInteger(seq) && seq > 0)) {
      throw new Error(`StreamBatcher: batch and seq must be positive integers, got batch ${batch}, seq ${seq}`);
    }
    this.ids = ids;
    this.batch = batch;
    this.seq = seq;
    /** steps per stream with a target: the last id of each stream is only ever a target */
    this.streamLength = Math.floor((ids.length - 1) / batch);
    if (this.streamLength < 1) throw new Error(`StreamBatcher: ${ids.length} ids are too few for ${batch} streams`);
    /** full windows per pass; training uses only these */
    this.fullWindows = Math.floor(this.streamLength / seq);
    /** windows per pass when the last, shorter one is kept (evaluation) */
    this.allWindows = Math.ceil(this.streamLength / seq);
  }

  /** Inputs and targets of window `w`: `{ x, y, steps }`, x and y Int32Array [steps, batch] sequence-major. */
  window(w) {
    if (!(Number.isInteger(w) && w >= 0 && w < this.allWindows)) {
      throw new Error(`StreamBatcher.window: window ${w} is outside 0..${this.allWindows - 1}`);
    }
    const { ids, batch, streamLength } = this;
    const start = w * this.seq;
    const steps = Math.min(this.seq, streamLength - start);
    const x = new Int32Array(steps * batch);
    const y = new Int32Array(steps * batch);
    for (let b = 0; b < batch; b++) {
      const base = b * streamLength + start;
      for (let t = 0; t < steps; t++) {
        x[t * batch + b] = ids[base + t];
        y[t * batch + b] = ids[base + t + 1];
      }
    }
    return { x, y, steps };
  }

  /** Where training step `step` (0-based) reads: pass `epoch` and full window `window`. */
  position(step) {
    if (this.fullWindows < 1) throw new Error(`StreamBatcher: streams of ${this.streamLength} steps hold no full window of ${this.seq}`);
    return { epoch: Math.floor(step / this.fullWindows), window: step % this.fullWindows };
  }
}
