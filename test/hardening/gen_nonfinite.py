"""Writes test/hardening/fixtures/nonfinite.json: how PyTorch 1.13 propagates NaN and infinity.

Run from the repository root:  /usr/bin/python3 test/hardening/gen_nonfinite.py
Op cases use the format of scripts/fixtures/fixture_lib.py (replayed by test/helpers/op-cases.ts); the
`nn` entries (losses, gradient clipping, an optimizer step) have their own small format, read by
test/hardening/nonfinite.test.ts.
"""
import json
import math
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts", "fixtures"))

from fixture_lib import Family, Inp, T, enc_float, enc_tensor, f32, i64  # noqa: E402

NAN, INF = float("nan"), float("inf")
SPECIAL = [NAN, INF, -INF, 0.0, 1.0, -1.0, 2.5, -3.0]


def op_cases():
    fam = Family("nonfinite")
    x = f32(SPECIAL)
    y = f32([INF, -INF, NAN, 0.0, INF, 0.0, -INF, 2.0])
    for op in ["add", "sub", "mul", "div", "maximum", "minimum"]:
        fam.add("both operands special", op, [x, y], [T(1)], upstream_ones=True)
    fam.add("broadcast special column", "mul", [f32([[INF], [NAN], [0.0]]), f32([[0.0, 1.0, -INF]])], [T(1)],
            upstream_ones=True)
    fam.add("alpha with inf", "add", [x, y], [T(1), {"alpha": 2.0}], upstream_ones=True)
    fam.add("scalar inf", "sub", [x], [INF], upstream_ones=True)
    fam.add("scalar nan", "mul", [x], [NAN], upstream_ones=True)
    fam.add("by scalar zero", "div", [x], [0.0], upstream_ones=True)
    fam.add("overflow to inf", "add", [f32([3e38, -3e38, 1.0])], [3e38], upstream_ones=True)
    fam.add("tensor exponent corners", "pow",
            [f32([0.0, 0.0, -1.0, INF, NAN, 2.0, 2.0, -8.0]), f32([-1.0, 0.0, 0.5, 0.0, 0.0, INF, -INF, 1.0 / 3.0])],
            [T(1)], upstream_ones=True)
    for p in [0.0, -1.0, 2.0, 0.5, 3.0]:
        fam.add(f"scalar exponent {p} on specials", "pow", [x], [p], upstream_ones=True)
    for op in ["exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu", "neg", "square"]:
        fam.add("specials with gradient", op, [x], upstream_ones=True)
    fam.add("exp overflow", "exp", [f32([88.0, 89.0, -104.0, -200.0])], upstream_ones=True)
    fam.add("bounds with specials", "clamp", [x], [-1.0, 2.0], upstream_ones=True)
    fam.add("min above max", "clamp", [x], [1.0, -1.0], upstream_ones=True)
    fam.add("only min", "clamp", [x], [{"min": 0.0}], upstream_ones=True)

    m = f32([[INF, -INF, 1.0], [NAN, 2.0, 3.0], [1.0, INF, INF], [-INF, -INF, 0.0]])
    fam.add("whole with inf and -inf", "sum", [m], upstream_ones=True)
    fam.add("rows with specials", "sum", [m], [1], upstream_ones=True)
    fam.add("rows with specials", "mean", [m], [1], upstream_ones=True)
    fam.add("whole with nan", "mean", [m], upstream_ones=True)
    fam.add("rows with nan and inf ties", "max", [m], [1], upstream_ones=True)
    fam.add("rows with nan and -inf ties", "min", [m], [1], upstream_ones=True)
    fam.add("columns with nan", "argmin", [m], [0])
    fam.add("rows with nan and inf", "argmax", [m], [1])
    fam.add("rows with specials", "softmax", [m], [1], upstream_ones=False)
    fam.add("rows with specials", "logSoftmax", [m], [1], upstream_ones=False)
    fam.add("all -inf row", "softmax", [f32([[-INF, -INF], [0.0, -INF]])], [1])
    fam.add("nan is largest", "topk", [f32([[1.0, NAN, 3.0, INF], [-INF, 0.0, NAN, NAN]])], [2])
    fam.add("inf times zero inside", "matmul", [f32([[INF, 1.0], [0.0, NAN], [1.0, 2.0]]), f32([[0.0, 1.0], [1.0, 1.0]])],
            [T(1)], upstream_ones=True)
    fam.add("infinite vector dot", "matmul", [f32([INF, 1.0]), f32([1.0, -INF])], [T(1)])
    cond = Inp(f32([NAN, 0.0, 1.0, INF]), grad=False)
    fam.add("nan condition counts as true", "where", [cond, f32([1.0, 2.0, 3.0, 4.0]), f32([NAN, NAN, NAN, NAN])],
            [T(0), T(1), T(2)], call="torch", upstream_ones=True)
    return fam.cases


def clip_case(name, grads, max_norm, norm_type):
    params = [torch.zeros(len(g), requires_grad=True) for g in grads]
    for p, g in zip(params, grads):
        p.grad = torch.tensor(g, dtype=torch.float32)
    total = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type=norm_type)
    return {"name": name, "kind": "clipGradNorm", "grads": [[enc_float(v) for v in g] for g in grads],
            "maxNorm": max_norm, "normType": enc_float(norm_type) if math.isinf(norm_type) else norm_type,
            "total": enc_float(total.item()), "after": [enc_tensor(p.grad)["values"] for p in params]}


def clip_raises(grads):
    params = [torch.zeros(len(g), requires_grad=True) for g in grads]
    for p, g in zip(params, grads):
        p.grad = torch.tensor(g, dtype=torch.float32)
    try:
        torch.nn.utils.clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    except RuntimeError:
        return True
    return False


def loss_case(name, fn, logits, target):
    inp = logits.clone().requires_grad_(True)
    out = getattr(torch.nn.functional, fn)(inp, target)
    out.backward()
    return {"name": name, "kind": "loss", "fn": fn, "input": enc_tensor(logits), "target": enc_tensor(target),
            "output": enc_tensor(out), "grad": enc_tensor(inp.grad)}


def optim_case(name, cls, options, grad):
    p = torch.nn.Parameter(torch.tensor([1.0, -2.0, 0.5, 3.0]))
    opt = getattr(torch.optim, cls)([p], **options)
    p.grad = torch.tensor(grad, dtype=torch.float32)
    opt.step()
    camel = {"lr": "lr", "momentum": "momentum", "weight_decay": "weightDecay"}
    return {"name": name, "kind": "optim", "cls": cls, "options": {camel[k]: v for k, v in options.items()},
            "param": [1.0, -2.0, 0.5, 3.0], "grad": [enc_float(v) for v in grad], "after": enc_tensor(p)["values"]}


def nn_cases():
    cases = [
        clip_case("inf gradient: finite ones become 0, inf ones nan", [[1.0, INF], [2.0, -3.0]], 1.0, 2.0),
        clip_case("nan gradient makes every gradient nan", [[1.0, NAN], [2.0, -3.0]], 1.0, 2.0),
        clip_case("inf norm type with inf gradient", [[1.0, -INF], [2.0, 0.5]], 1.0, INF),
        clip_case("inf norm type with nan gradient", [[1.0, NAN], [2.0, 0.5]], 1.0, INF),
        clip_case("1-norm overflow to inf", [[3e38, 3e38], [1.0, 2.0]], 5.0, 1.0),
        clip_case("finite gradients are scaled", [[3.0, 4.0], [0.0, 0.0]], 1.0, 2.0),
        loss_case("-inf logit of another class is fine", "cross_entropy", f32([[-INF, 0.0, 1.0], [2.0, -INF, 0.0]]),
                  i64([1, 0])),
        loss_case("-inf logit of the target class gives inf", "cross_entropy", f32([[-INF, 0.0, 1.0]]), i64([0])),
        loss_case("+inf logit gives nan", "cross_entropy", f32([[INF, 0.0, 1.0]]), i64([1])),
        loss_case("nan logit gives nan", "cross_entropy", f32([[NAN, 0.0, 1.0], [0.0, 1.0, 2.0]]), i64([1, 2])),
        loss_case("inf difference", "mse_loss", f32([INF, 1.0, NAN]), f32([0.0, 1.0, 1.0])),
        loss_case("-inf log-probability at the target", "nll_loss", f32([[-INF, -1.0], [-0.5, -INF]]), i64([0, 0])),
        optim_case("SGD with an inf and a nan gradient", "SGD", {"lr": 0.1, "momentum": 0.9}, [INF, NAN, 1.0, -INF]),
        optim_case("Adam with an inf and a nan gradient", "Adam", {"lr": 0.1}, [INF, NAN, 1.0, -INF]),
        optim_case("Adam weight decay with a nan gradient", "Adam", {"lr": 0.1, "weight_decay": 0.01}, [0.0, NAN, 1.0, 2.0]),
    ]
    cases.append({"name": "errorIfNonfinite raises on an inf norm", "kind": "clipRaises",
                  "grads": [[1.0, "Infinity"]], "raises": clip_raises([[1.0, INF]])})
    return cases


def main():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    out = os.path.join(HERE, "fixtures", "nonfinite.json")
    data = {"meta": {"generator": "test/hardening/gen_nonfinite.py", "torch": torch.__version__},
            "ops": op_cases(), "nn": nn_cases()}
    with open(out, "w") as f:
        json.dump(data, f, allow_nan=False, separators=(",", ":"))
    print(f"wrote {len(data['ops'])} op cases and {len(data['nn'])} nn cases to {os.path.normpath(out)}")


if __name__ == "__main__":
    main()
