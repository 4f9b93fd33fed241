"""PyTorch -> wasmtorch: train the checkpoint example's name classifier in PyTorch, save its state dict as
safetensors (what `safetensors.torch.save_file(model.state_dict(), path)` writes), and record its logits for a
few names; import.mjs loads the file into the same model in wasmtorch and checks the predictions.

    /usr/bin/python3 examples/checkpoint/export_from_pytorch.py [--steps 300] [--out DIR]
    node examples/checkpoint/import.mjs [DIR]
"""
import argparse
import json
import os
import random
import sys

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from names_model import SAMPLE_NAMES, NameClassifier, encode_names, load_names, logits_of  # noqa: E402
from safetensors_io import save_file  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=os.path.normpath(os.path.join(HERE, "..", "out", "checkpoint")))
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    categories, train = load_names()
    model = NameClassifier(len(categories))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.005)
    criterion = nn.CrossEntropyLoss()
    for step in range(1, args.steps + 1):
        cats = [rng.randrange(len(categories)) for _ in range(64)]
        names = [rng.choice(train[categories[c]]) for c in cats]
        optimizer.zero_grad()
        loss = criterion(model(*encode_names(names)), torch.tensor(cats))
        loss.backward()
        optimizer.step()
        if step % 100 == 0 or step == args.steps:
            print(f"step {step}: loss {loss.item():.4f}")
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "names-lstm-pytorch.safetensors")
    save_file(model.state_dict(), path, metadata={"categories": json.dumps(categories), "written_by": "pytorch"})
    logits = logits_of(model, SAMPLE_NAMES)
    with open(os.path.join(args.out, "names-lstm-pytorch.predictions.json"), "w") as f:
        json.dump({"categories": categories, "names": SAMPLE_NAMES, "logits": logits.tolist()}, f)
    print(f"saved {path} ({', '.join(model.state_dict())})")
    for name, row in zip(SAMPLE_NAMES, logits):
        print(f"{name:<13} -> {categories[row.argmax().item()]}")


if __name__ == "__main__":
    main()
