"""The gradient of an MLP 784-256-10 (tanh) with softmax cross-entropy, batch 64, written the
usual numpy way (graphdiff.builders.classifier_loss), against backpropagation by hand.

    python benchmarks/mlp.py            # graphdiff and hand-written numpy; PyTorch and JAX where installed

The samples and labels are arguments, not closed over: ``grad(loss, argnums=0)``
differentiates by the parameter dict alone. Each way is timed in interleaved rounds (the
median of each round's median), so that a slow moment of the machine falls on all of
them; the ratios to hand-written numpy are medians of the per-round ratios.
"""

from __future__ import annotations

import argparse

import numpy as np
from tabulate import tabulate

import graphdiff as gd
from graphdiff import builders
from graphdiff.cost.sweeps import median_seconds


def ours(params, X, labels) -> dict:
    loss = builders.classifier_loss
    by_params = gd.value_and_grad(loss, argnums=0)
    by_all = gd.value_and_grad(loss)  # dL/dX too, then thrown away
    closed = gd.value_and_grad(lambda p: loss(p, X, labels))
    jitted = gd.jit(by_params)
    return {
        "graphdiff, data as arguments (argnums=0)": lambda: by_params(params, X, labels),
        "graphdiff, data as arguments, jit": lambda: jitted(params, X, labels),
        "graphdiff, data closed over": lambda: closed(params),
        "graphdiff, every argument (dL/dX too)": lambda: by_all(params, X, labels),
    }


def torch_eager(params, X, labels) -> dict:
    try:
        import torch
    except ImportError:
        return {}
    P = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    Xt, yt = torch.tensor(X), torch.tensor(labels)

    def step():
        z = torch.tanh(Xt @ P["W1"] + P["b1"]) @ P["W2"] + P["b2"]
        loss = torch.nn.functional.cross_entropy(z, yt)
        return loss.item(), torch.autograd.grad(loss, list(P.values()))

    return {"PyTorch eager (autograd.grad)": step}


def jax_jit(params, X, labels) -> dict:
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return {}
    jax.config.update("jax_enable_x64", True)

    def loss(p, X, labels):
        z = jnp.tanh(X @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"]
        z = z - jnp.max(z, axis=1, keepdims=True)
        logp = z - jnp.log(jnp.sum(jnp.exp(z), axis=1, keepdims=True))
        return -jnp.mean(logp[jnp.arange(len(labels)), labels])

    step = jax.jit(jax.value_and_grad(loss))
    P = {k: jnp.asarray(v) for k, v in params.items()}
    Xj, yj = jnp.asarray(X), jnp.asarray(labels)

    def run():
        value, grads = step(P, Xj, yj)
        return jax.tree_util.tree_map(lambda a: a.block_until_ready(), grads)

    return {"JAX jit(value_and_grad)": run}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=15, help="interleaved rounds (default 15)")
    parser.add_argument("--batch", type=int, default=64, help="samples per batch (default 64)")
    args = parser.parse_args()
    params, X, labels = builders.classifier_params((784, 256, 10), batch=args.batch, seed=0)
    hand_loss, hand = builders.classifier_backprop(params, X, labels)
    ways = {
        "numpy by hand (backpropagation written out)": lambda: builders.classifier_backprop(params, X, labels)
    }
    ways |= ours(params, X, labels)
    for peer in (torch_eager, jax_jit):
        ways |= peer(params, X, labels)
    for name, run in ways.items():  # warm: traces, caches, compiles; and a check of graphdiff's numbers
        result = run()
        if name.startswith("graphdiff"):
            value, grads = result
            grads = grads if isinstance(grads, dict) else grads[0]  # every argument: params' first
            worst = max(float(np.max(np.abs(grads[k] - hand[k]) / np.max(np.abs(hand[k])))) for k in hand)
            assert abs(value - hand_loss) <= 1e-12 * abs(hand_loss) and worst < 1e-12, (name, worst)
    times: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(args.rounds):
        for name, run in ways.items():
            times[name].append(median_seconds(run, least=7, budget=0.0))
    base = np.array(times["numpy by hand (backpropagation written out)"])
    rows = []
    for name, ts in times.items():
        ratio = float(np.median(np.array(ts) / base))
        rows.append([name, f"{np.median(ts) * 1e3:.3g} ms", f"{ratio:.2f}"])
    print(
        f"Gradient of an MLP 784-256-10 (tanh), softmax cross-entropy, batch {args.batch}: median wall times"
    )
    print(tabulate(rows, headers=["way", "time", "÷ numpy by hand"], disable_numparse=True))
    print(
        f"\n{args.rounds} interleaved rounds; ratios are medians of the per-round ratios, measured in this run."
    )


if __name__ == "__main__":
    main()
