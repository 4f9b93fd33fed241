"""The character-level language model of examples/char-lm/ in PyTorch, line for line: the same vocabulary,
split, TBPTT batch layout, model (Embedding -> 2-layer LSTM/GRU with dropout between layers -> Linear), initial
weights (same seed, same order of draws), per-step dropout seeds, cosine/step schedule, Adam, gradient clipping
and evaluation. On OPENBLAS_NUM_THREADS threads (default 1); torch.set_num_threads takes
WASMTORCH_BENCH_TORCH_THREADS if set, else the same number (bench/charlm.mjs --threads=2 sets it to 1: OpenBLAS
threads alone are PyTorch's fastest two-core setup here, see bench/suite_torch.py).

Prints one JSON object per line: {"event": "start", ...}, {"event": "step", ...} every --log-every steps,
{"event": "eval", "step", "bpc"} every --eval-every steps and at the end, and {"event": "done", "tokens_per_s", ...}.
Run with /usr/bin/python3 (PyTorch 1.13); bench/charlm.mjs runs it beside wasmtorch.

  OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/charlm.py --steps 2000
"""
import argparse
import json
import math
import os
import sys
import time

os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')
import torch  # noqa: E402  (after the thread setting)
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument('--data', default=os.path.join(ROOT, 'data', 'tinyshakespeare', 'input.txt'))
    p.add_argument('--cell', default='lstm', choices=['lstm', 'gru'])
    p.add_argument('--hidden', type=int, default=256)
    p.add_argument('--layers', type=int, default=2)
    p.add_argument('--embedding', type=int, default=64)
    p.add_argument('--dropout', type=float, default=0.2)
    p.add_argument('--seq', type=int, default=100)
    p.add_argument('--batch', type=int, default=32)
    p.add_argument('--steps', type=int, default=2000)
    p.add_argument('--lr', type=float, default=2e-3)
    p.add_argument('--schedule', default='cosine', choices=['cosine', 'step', 'constant'])
    p.add_argument('--min-lr', type=float, default=2e-4)
    p.add_argument('--decay-every', type=int, default=500)
    p.add_argument('--decay-gamma', type=float, default=0.5)
    p.add_argument('--clip', type=float, default=1.0)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--eval-every', type=int, default=500)
    p.add_argument('--eval-windows', type=int, default=0, help='0: the whole validation split')
    p.add_argument('--log-every', type=int, default=50)
    return p.parse_args()


def learning_rate(a, step):
    if a.schedule == 'cosine':
        progress = min(1.0, step / max(1, a.steps - 1))
        return a.min_lr + 0.5 * (a.lr - a.min_lr) * (1 + math.cos(math.pi * progress))
    if a.schedule == 'step':
        return a.lr * a.decay_gamma ** (step // a.decay_every)
    return a.lr


def step_seed(seed, step):
    return (seed * 1_000_003 + step + 1) % 2 ** 32


class StreamBatcher:
    """batch contiguous streams; window w = steps [w*seq, (w+1)*seq) of every stream, [seq, batch]."""

    def __init__(self, ids, batch, seq):
        self.seq = seq
        self.stream_length = (len(ids) - 1) // batch
        n = batch * self.stream_length
        self.x = ids[:n].view(batch, self.stream_length)
        self.y = ids[1:n + 1].view(batch, self.stream_length)
        self.full_windows = self.stream_length // seq
        self.all_windows = -(-self.stream_length // seq)

    def window(self, w):
        start = w * self.seq
        end = min(start + self.seq, self.stream_length)
        return self.x[:, start:end].t().contiguous(), self.y[:, start:end].t().contiguous()


class CharLM(nn.Module):
    def __init__(self, vocab_size, a):
        super().__init__()
        self.cell = a.cell
        self.emb = nn.Embedding(vocab_size, a.embedding)
        recurrent = nn.GRU if a.cell == 'gru' else nn.LSTM
        self.rnn = recurrent(a.embedding, a.hidden, num_layers=a.layers, dropout=a.dropout)
        self.head = nn.Linear(a.hidden, vocab_size)

    def forward(self, ids, state=None):
        x = self.emb(ids)
        if self.cell == 'gru':
            out, h = self.rnn(x, None if state is None else state[0])
            return self.head(out), [h]
        out, (h, c) = self.rnn(x, None if state is None else tuple(state))
        return self.head(out), [h, c]


def evaluate(model, batcher, max_windows):
    model.eval()
    windows = batcher.all_windows if max_windows <= 0 else min(batcher.all_windows, max_windows)
    total, count, state = 0.0, 0, None
    with torch.no_grad():
        for w in range(windows):
            x, y = batcher.window(w)
            logits, state = model(x, state)
            total += F.cross_entropy(logits.view(-1, logits.size(2)), y.reshape(-1), reduction='sum').item()
            count += y.numel()
    model.train()
    return total / count / math.log(2)


def emit(obj):
    print(json.dumps(obj), flush=True)


def main():
    a = parse_args()
    torch.set_num_threads(int(os.environ.get('WASMTORCH_BENCH_TORCH_THREADS', os.environ['OPENBLAS_NUM_THREADS'])))
    with open(a.data, encoding='utf-8') as f:
        text = f.read()
    chars = sorted(set(text))
    index = {c: i for i, c in enumerate(chars)}
    ids = torch.tensor([index[c] for c in text], dtype=torch.long)
    cut = int(len(ids) * 0.9)
    train = StreamBatcher(ids[:cut], a.batch, a.seq)
    val = StreamBatcher(ids[cut:], a.batch, a.seq)

    torch.manual_seed(a.seed)
    model = CharLM(len(chars), a)
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate(a, 0))
    emit({'event': 'start', 'torch': torch.__version__, 'threads': torch.get_num_threads(),
          'openblas_threads': os.environ.get('OPENBLAS_NUM_THREADS'), 'vocab': len(chars),
          'parameters': sum(p.numel() for p in model.parameters())})

    state = None
    train_seconds = 0.0
    tokens = 0
    for step in range(a.steps):
        start = time.perf_counter()
        window = step % train.full_windows
        if window == 0:
            state = None  # a new pass over the streams starts from zeros
        torch.manual_seed(step_seed(a.seed, step))
        lr = learning_rate(a, step)
        for group in optimizer.param_groups:
            group['lr'] = lr
        model.train()
        x, y = train.window(window)
        optimizer.zero_grad()
        logits, state = model(x, None if state is None else [s.detach() for s in state])
        loss = F.cross_entropy(logits.view(-1, logits.size(2)), y.reshape(-1))
        loss.backward()
        grad_norm = nn.utils.clip_grad_norm_(model.parameters(), a.clip).item()
        optimizer.step()
        state = [s.detach() for s in state]
        loss_value = loss.item()
        train_seconds += time.perf_counter() - start
        tokens += y.numel()
        done = step + 1
        if done % a.log_every == 0 or done <= 5:
            emit({'event': 'step', 'step': done, 'loss': loss_value, 'grad_norm': grad_norm, 'lr': lr,
                  'tokens_per_s': tokens / train_seconds})
        if done % a.eval_every == 0 or done == a.steps:
            emit({'event': 'eval', 'step': done, 'bpc': evaluate(model, val, a.eval_windows)})
    emit({'event': 'done', 'steps': a.steps, 'train_seconds': train_seconds, 'tokens_per_s': tokens / train_seconds})


if __name__ == '__main__':
    sys.exit(main())
