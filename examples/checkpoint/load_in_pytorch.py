"""PyTorch side of export.mjs: load the checkpoint wasmtorch wrote into the same model and check that PyTorch
predicts what wasmtorch predicted (logits within 1e-4, the same language for every name).

    /usr/bin/python3 examples/checkpoint/load_in_pytorch.py [DIR]     # DIR: examples/out/checkpoint by default

No `safetensors` package needed: safetensors_io.py reads the file by hand. With the package installed,
`safetensors.torch.load_file(path)` gives the same state dict.
"""
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from names_model import NameClassifier, logits_of  # noqa: E402
from safetensors_io import load_file_with_metadata  # noqa: E402


def main(directory):
    state_dict, metadata = load_file_with_metadata(os.path.join(directory, "names-lstm.safetensors"))
    with open(os.path.join(directory, "names-lstm.predictions.json")) as f:
        expected = json.load(f)
    categories = json.loads(metadata["categories"])
    model = NameClassifier(len(categories))
    model.load_state_dict(state_dict)  # strict: every key present, every shape equal
    logits = logits_of(model, expected["names"])
    want = torch.tensor(expected["logits"])
    worst = (logits - want).abs().max().item()
    same = logits.argmax(1).tolist() == want.argmax(1).tolist()
    for name, row in zip(expected["names"], logits):
        print(f"{name:<13} -> {categories[row.argmax().item()]}")
    print(f"PyTorch {torch.__version__} vs wasmtorch: largest logit difference {worst:.2e}, same predictions: {same}")
    return 0 if same and worst <= 1e-4 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "out", "checkpoint")))
