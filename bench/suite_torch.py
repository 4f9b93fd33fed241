"""The suite's PyTorch anchor: one workload of bench/run.mjs in PyTorch, printing one JSON line.

Run by bench/run.mjs with /usr/bin/python3 and OPENBLAS_NUM_THREADS=1 (plus OPENBLAS_CORETYPE=Prescott for the
SSE3-kernel column). The two-thread column sets OPENBLAS_NUM_THREADS=2 and WASMTORCH_BENCH_TORCH_THREADS=1:
OpenBLAS's own threads, with torch's intra-op (OpenMP) threads at 1 and OMP_NUM_THREADS=1, is PyTorch's fastest
two-core setup here (17.7k tokens/s on the char-LSTM step, against 12.5k with OpenMP 2 / OpenBLAS 1 and 3.0k with
both at 2, whose threads oversubscribe the two cores; without OMP_NUM_THREADS=1 the full bench/charlm.py loop ran
at 12k instead of 17k). Same sizes and timing rule as the JavaScript workers (bench/suite-timing.mjs): warm-up,
then the median of samples of back-to-back calls. Never run from tests.

Usage: /usr/bin/python3 bench/suite_torch.py WORKLOAD [--quick]
"""
import json
import statistics
import sys
import time

import os

import torch

torch.set_num_threads(int(os.environ.get('WASMTORCH_BENCH_TORCH_THREADS', os.environ.get('OPENBLAS_NUM_THREADS', '1'))))
QUICK = '--quick' in sys.argv[2:]
FAST = dict(samples=5, sample_s=0.03, warmup_s=0.2) if QUICK else dict(samples=9, sample_s=0.1, warmup_s=0.5)
NAMES = ['Abbas', 'Chandra', 'Novak', 'Jansen', 'Smithson', 'Dupont', 'Schmidt', 'Papadopoulos', 'Haddad', 'Romano',
         'Nakamura', 'Kimura', 'Kowalski', 'Silveira', 'Dovesky', 'Macdonald', 'Garcia', 'Nguyen']
ALL_LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ' + " .,;'"


def median_per_call(run, warmup=3, warmup_s=0.3, samples=7, sample_s=0.05):
    """{'wall', 'cpu'} seconds per call, medians over samples: see medianPerCall in bench/suite-timing.mjs."""
    start = time.perf_counter()
    calls = 0
    while calls < warmup or time.perf_counter() - start < warmup_s:
        run()
        calls += 1
    per_call = (time.perf_counter() - start) / calls if calls else 0
    reps = max(1, round(sample_s / per_call)) if per_call > 0 else 1
    wall, cpu = [], []
    for _ in range(samples):
        t, c = time.perf_counter(), time.process_time()
        for _ in range(reps):
            run()
        wall.append((time.perf_counter() - t) / reps)
        cpu.append((time.process_time() - c) / reps)
    return {'wall': statistics.median_high(wall), 'cpu': statistics.median_high(cpu)}


def per(s, factor):
    return {k: v * factor for k, v in s.items()}


def rate(s, factor):
    return {k: factor / v for k, v in s.items()}


def matmul():
    n = 512
    a, b = torch.randn(n, n), torch.randn(n, n)
    with torch.no_grad():
        s = median_per_call(lambda: torch.mm(a, b), **FAST)
    return {'gflops': rate(s, 2 * n ** 3 / 1e9)}


def recurrent():
    seq, batch, inp, hidden = 32, 32, 64, 256
    out = {}
    for key, ctor in (('lstm', torch.nn.LSTM), ('gru', torch.nn.GRU), ('rnn', torch.nn.RNN)):
        torch.manual_seed(0)
        m = ctor(inp, hidden)
        x, target = torch.randn(seq, batch, inp), torch.randn(seq, batch, hidden)
        crit, opt = torch.nn.MSELoss(), torch.optim.Adam(m.parameters(), lr=1e-3)

        def step():
            opt.zero_grad()
            y, _ = m(x)
            crit(y, target).backward()
            opt.step()
        opts = dict(warmup=2, warmup_s=0.3, samples=5, sample_s=0) if QUICK else dict(warmup=3, warmup_s=0.5, samples=15, sample_s=0)
        out[key] = {'ms': per(median_per_call(step, **opts), 1000)}
    return out


def hello():
    torch.manual_seed(0)
    eye = torch.eye(4)
    inputs = eye[[1, 0, 2, 2, 3]].view(-1, 1, 4)
    labels = torch.LongTensor([3, 1, 2, 3, 2]).view(-1, 1)
    cell = torch.nn.RNNCell(input_size=4, hidden_size=4)
    crit, opt = torch.nn.CrossEntropyLoss(), torch.optim.Adam(cell.parameters(), lr=0.1)

    def epoch():
        loss = 0
        opt.zero_grad()
        h = torch.zeros(1, 4)
        for x, label in zip(inputs, labels):
            h = cell(x, h)
            loss += crit(h, label)
            _, idx = h.max(1)
            idx.item()
        loss.backward()
        opt.step()
        loss.item()
    return {'us': per(median_per_call(epoch, **FAST), 1e6)}


def add():
    out = {}
    for grad in (True, False):
        torch.manual_seed(0)
        a, b = torch.randn(1, 4, requires_grad=grad), torch.randn(1, 4, requires_grad=grad)
        out['gradOn' if grad else 'gradOff'] = {'us': per(median_per_call(lambda: a + b, **FAST), 1e6)}
    return out


class NamesRNN(torch.nn.Module):
    """The tutorial's RNN: i2h and i2o Linear layers over cat(input, hidden), LogSoftmax."""

    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.i2h = torch.nn.Linear(input_size + hidden_size, hidden_size)
        self.i2o = torch.nn.Linear(input_size + hidden_size, output_size)
        self.softmax = torch.nn.LogSoftmax(dim=1)

    def forward(self, input, hidden):
        combined = torch.cat((input, hidden), 1)
        return self.softmax(self.i2o(combined)), self.i2h(combined)

    def init_hidden(self):
        return torch.zeros(1, self.hidden_size)


def names():
    torch.manual_seed(0)
    letters, classes, lr = len(ALL_LETTERS), 18, 0.005
    rnn = NamesRNN(letters, 128, classes)
    criterion = torch.nn.NLLLoss()

    def line_tensor(line):
        t = torch.zeros(len(line), 1, letters)
        for i, ch in enumerate(line):
            t[i][0][ALL_LETTERS.find(ch)] = 1
        return t
    examples = [(torch.tensor([i % classes], dtype=torch.long), line_tensor(name)) for i, name in enumerate(NAMES)]
    state = {'next': 0}

    def train():
        category, line = examples[state['next'] % len(examples)]
        state['next'] += 1
        hidden = rnn.init_hidden()
        rnn.zero_grad()
        for i in range(line.size()[0]):
            output, hidden = rnn(line[i], hidden)
        loss = criterion(output, category)
        loss.backward()
        for p in rnn.parameters():
            p.data.add_(p.grad.data, alpha=-lr)
        return output, loss.item()
    return {'us': per(median_per_call(train, **FAST), 1e6)}


class CharLM(torch.nn.Module):
    def __init__(self, vocab, embedding, hidden, layers, dropout):
        super().__init__()
        self.emb = torch.nn.Embedding(vocab, embedding)
        self.rnn = torch.nn.LSTM(embedding, hidden, num_layers=layers, dropout=dropout)
        self.head = torch.nn.Linear(hidden, vocab)

    def forward(self, ids, state=None):
        out, state = self.rnn(self.emb(ids), state)
        return self.head(out), state


def charlm():
    """examples/char-lm's training step (bench/charlm.py is the full run): 2-layer LSTM 256, embedding 64,
    dropout 0.2, windows of 100 × 32 random ids, cross-entropy, clip 1, Adam 2e-3, state carried detached."""
    vocab, seq, batch = 65, 100, 32
    torch.manual_seed(0)
    model = CharLM(vocab, 64, 256, 2, 0.2)
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    ids = torch.randint(0, vocab, (4, seq + 1, batch))
    state = {'s': None, 'step': 0}

    def step():
        w = ids[state['step'] % 4]
        x, y = w[:-1], w[1:]
        opt.zero_grad()
        s = state['s']
        logits, nxt = model(x, tuple(t.detach() for t in s) if s else None)
        loss = torch.nn.functional.cross_entropy(logits.view(-1, vocab), y.reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0).item()
        opt.step()
        loss.item()
        state['s'] = tuple(t.detach() for t in nxt)
        state['step'] += 1
    samples = 3 if QUICK else 7
    s = median_per_call(step, warmup=2, warmup_s=0, samples=samples, sample_s=0)
    return {'tokensPerSecond': rate(s, seq * batch), 'steps': samples}


WORKLOADS = {'matmul': matmul, 'recurrent': recurrent, 'hello': hello, 'add': add, 'names': names, 'charlm': charlm}

if __name__ == '__main__':
    workload = sys.argv[1]
    if workload not in WORKLOADS:
        raise SystemExit(f'suite_torch.py: unknown workload {workload!r}; expected one of {", ".join(WORKLOADS)}')
    print(json.dumps({'impl': f'PyTorch {torch.__version__}', 'workload': workload, 'result': WORKLOADS[workload]()}))
