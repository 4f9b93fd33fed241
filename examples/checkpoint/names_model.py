"""The checkpoint example's model and data in PyTorch, the same as model.mjs and ../names/data.mjs:
letters -> Embedding(57 + padding, 16) -> LSTM(16, 32, batch_first) -> output at the last real letter -> Linear."""
import glob
import os
import string
import unicodedata

import torch
import torch.nn as nn

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
ALL_LETTERS = string.ascii_letters + " .,;'"
N_LETTERS = len(ALL_LETTERS)
PAD = N_LETTERS
SAMPLE_NAMES = ["Dostoevsky", "Nakamura", "Schmidt", "O'Brien", "Rossi", "Nguyen", "Kowalski", "Garcia", "Dubois",
                "Papadopoulos", "Chen", "Kim"]


class NameClassifier(nn.Module):
    def __init__(self, n_categories, embedding_dim=16, hidden_size=32):
        super().__init__()
        self.emb = nn.Embedding(N_LETTERS + 1, embedding_dim, padding_idx=PAD)
        self.lstm = nn.LSTM(embedding_dim, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, n_categories)

    def forward(self, ids, lengths):
        out, _ = self.lstm(self.emb(ids))
        batch, _, hidden = out.shape
        last = (lengths - 1).view(batch, 1, 1).expand(batch, 1, hidden)
        return self.head(out.gather(1, last).squeeze(1))


def unicode_to_ascii(s):
    return "".join(c for c in unicodedata.normalize("NFD", s) if unicodedata.category(c) != "Mn" and c in ALL_LETTERS)


def load_names():
    """Languages (sorted file names) and the training split (0-based line index % 10 != 0) of data/names."""
    categories, train = [], {}
    for path in sorted(glob.glob(os.path.join(ROOT, "data", "names", "*.txt"))):
        category = os.path.splitext(os.path.basename(path))[0]
        with open(path, encoding="utf-8") as f:
            lines = [unicode_to_ascii(line) for line in f.read().strip().split("\n")]
        categories.append(category)
        train[category] = [line for i, line in enumerate(lines) if i % 10 != 0]
    return categories, train


def encode_names(names):
    longest = max(len(n) for n in names)
    ids = torch.full((len(names), longest), PAD, dtype=torch.int64)
    for b, name in enumerate(names):
        ids[b, :len(name)] = torch.tensor([ALL_LETTERS.index(c) for c in name])
    return ids, torch.tensor([len(n) for n in names])


def logits_of(model, names):
    model.eval()
    with torch.no_grad():
        return model(*encode_names(names))
