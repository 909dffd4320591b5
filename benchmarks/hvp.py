"""Hessian-vector products on an MLP 784-256-10 (tanh), batch 64, softmax cross-entropy.

    python benchmarks/hvp.py            # graphdiff, and torch.func / autograd / JAX where installed

Times (medians, one run): the gradient, the HVP forward over reverse (jvp of grad) and
reverse over reverse (grad of <grad, v>), each through the API and under gd.jit (traced
once; a graph with arrays is simplified by cse and interpreted with numpy). The peers'
forward-over-reverse HVPs are timed beside them and all HVPs are checked to agree.
"""

from __future__ import annotations

import statistics
import time

import numpy as np
from tabulate import tabulate

import graphdiff as gd


def median_ms(run, repeats: int = 21) -> float:
    run()  # warm: traces, caches, compiles
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def problem(seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((64, 784))
    Y = np.eye(10)[rng.integers(0, 10, 64)]
    params = (
        rng.standard_normal((784, 256)) * 0.05,
        np.zeros(256),
        rng.standard_normal((256, 10)) * 0.05,
        np.zeros(10),
    )
    vector = tuple(rng.standard_normal(p.shape) for p in params)
    return X, Y, params, vector


def ours(X, Y, params, vector) -> tuple[dict, np.ndarray]:
    def loss(W1, b1, W2, b2):
        z = gd.tanh(X @ W1 + b1) @ W2 + b2
        return (gd.sum(gd.log(gd.exp(z).sum(axis=1))) - gd.sum(Y * z)) / 64.0

    grad = gd.grad(loss)
    fwd_rev = lambda *p: gd.jvp(grad, p, vector)[1]  # noqa: E731
    rev_rev = lambda *p: gd.grad(lambda *q: sum(gd.sum(g * v) for g, v in zip(grad(*q), vector)))(*p)  # noqa: E731
    jit_grad, jit_fwd_rev, jit_rev_rev = gd.jit(grad), gd.jit(fwd_rev), gd.jit(rev_rev)
    times = {
        "gradient": median_ms(lambda: grad(*params)),
        "gradient, jit": median_ms(lambda: jit_grad(*params)),
        "HVP forward over reverse": median_ms(lambda: fwd_rev(*params)),
        "HVP forward over reverse, jit": median_ms(lambda: jit_fwd_rev(*params)),
        "HVP reverse over reverse": median_ms(lambda: rev_rev(*params)),
        "HVP reverse over reverse, jit": median_ms(lambda: jit_rev_rev(*params)),
    }
    return times, np.concatenate([h.ravel() for h in jit_fwd_rev(*params)])


def torch_func(X, Y, params, vector) -> tuple[dict, np.ndarray] | None:
    try:
        import torch
        from torch.func import grad, jvp
    except ImportError:
        return None
    Xt, labels = torch.tensor(X), torch.tensor(Y.argmax(axis=1))
    P, V = tuple(map(torch.tensor, params)), tuple(map(torch.tensor, vector))

    def loss(W1, b1, W2, b2):
        z = torch.tanh(Xt @ W1 + b1) @ W2 + b2
        return torch.nn.functional.cross_entropy(z, labels)

    g = grad(loss, argnums=(0, 1, 2, 3))
    hvp = lambda: jvp(lambda *p: g(*p), P, V)[1]  # noqa: E731
    times = {"gradient": median_ms(lambda: g(*P)), "HVP forward over reverse": median_ms(hvp)}
    return times, np.concatenate([h.numpy().ravel() for h in hvp()])


def main() -> None:
    X, Y, params, vector = problem()
    results = {"graphdiff": ours(X, Y, params, vector)}
    peer = torch_func(X, Y, params, vector)
    if peer is not None:
        results["torch.func"] = peer
    reference = results["graphdiff"][1]
    rows = []
    for library, (times, hvp) in results.items():
        agrees = float(np.max(np.abs(hvp - reference)) / np.max(np.abs(reference)))
        for what, ms in times.items():
            rows.append(
                [library, what, f"{ms:.3g} ms", f"{agrees:.0e}" if what.startswith("HVP forward") else ""]
            )
    print("MLP 784-256-10 (tanh), batch 64, softmax cross-entropy: median wall times")
    print(tabulate(rows, headers=["library", "what", "time", "HVP agrees (rel.)"]))
    t = results["graphdiff"][0]
    print("\nRatios measured in this run:")
    print(
        f"  our HVP forward over reverse, jit / our gradient, jit: {t['HVP forward over reverse, jit'] / t['gradient, jit']:.2f}"
    )
    if peer is not None:
        print(
            f"  torch.func jvp(grad) / our HVP, jit: {peer[0]['HVP forward over reverse'] / t['HVP forward over reverse, jit']:.2f}"
        )
    if peer is None:
        print("  (torch is not installed: pip install '.[peers]' to time torch.func beside graphdiff)")


if __name__ == "__main__":
    main()
