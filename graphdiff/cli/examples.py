"""The worked examples that ``graphdiff example NAME`` prints and ``examples/`` runs.

- ``colah``: the ``e = (a + b)(b + 1)`` of "Calculus on Computational Graphs" at ``a = 2, b = 1`` in both modes;
- ``paths``: the path sums of "Calculus on Computational Graphs", 9 products against one product of sums, and their growth;
- ``xor``: the 2-4-1 sigmoid network of "how backpropagation works" trained on XOR with reverse-mode gradients,
  each checked against the hand-derived delta rule.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from tabulate import tabulate

from graphdiff import builders
from graphdiff.cost.sweeps import measure
from graphdiff.transforms.api import value_and_grad
from graphdiff.views.paths import count_paths, paths, sweep_costs
from graphdiff.views.report import sweeps_report

__all__ = ["COLAH_INPUTS", "colah_report", "paths_report", "xor_delta_rule", "xor_training"]

COLAH_INPUTS = {"a": 2.0, "b": 1.0}


def colah_report(seeds: list[str] | None = None) -> dict[str, Any]:
    """The example ``e = (a + b)(b + 1)`` of "Calculus on Computational Graphs" at ``a = 2, b = 1``: forward at b and a, reverse at e.

    >>> r = colah_report()
    >>> r["values"]["e"], r["forward"][0]["tangents"]["e"], r["reverse"]["adjoints"]["b"]
    (6.0, 5.0, 5.0)
    """
    return sweeps_report(builders.colah(), COLAH_INPUTS, seeds=seeds or ["b", "a"], output="e")


# --- paths --------------------------------------------------------------------------------

GREEK = {"s1b0": "α", "s1b1": "β", "s1b2": "γ", "s2b0": "δ", "s2b1": "ε", "s2b2": "ζ"}


def paths_report(x: float = 0.5, depths: range = range(1, 9), tablefmt: str = "simple") -> str:
    """The path sums of "Calculus on Computational Graphs" on ``path_explosion(2, 3)``, then how paths and sweeps grow with depth."""
    g = builders.path_explosion(2, 3)
    ps = paths(g, "x", "y2", [x])
    stage = {n: GREEK[n] for n in GREEK}
    rows = []
    for p in ps.paths:
        term = "".join(stage[n] for n in p.nodes if n in stage)
        rows.append(
            [term, " → ".join(p.nodes), " × ".join(f"{f:.4g}" for f in p.partials), f"{p.product:.6f}"]
        )
    partial = {n: _branch_partial(g, n, x) for n in GREEK}
    first = sum(partial[n] for n in ("s1b0", "s1b1", "s1b2"))
    second = sum(partial[n] for n in ("s2b0", "s2b1", "s2b2"))
    lines = [
        f"Calculus on Computational Graphs: three edges X -> Y (α, β, γ: sin, cos, tanh) and three Y -> Z (δ, ε, ζ), at x = {x}",
        "path_explosion(depth=2, width=3); the adds that rejoin the branches have partial 1.",
        "",
        tabulate(rows, ["term", "path", "edge partials", "product"], tablefmt, disable_numparse=True),
        "",
        f"sum over the {ps.count} paths:  αδ + αε + αζ + βδ + ... + γζ = {ps.derivative:.12f}",
        f"factored:  (α + β + γ)(δ + ε + ζ) = ({first:.6f})({second:.6f}) = {first * second:.12f}",
        "",
        f"the path sum: {ps.naive_mul} multiplications along the paths + {ps.naive_add} additions "
        f"(+ {ps.partials_ops} operations for the edge partials)",
        f"one forward sweep: {ps.forward_ops} operations beyond the evaluation; "
        f"one reverse sweep: {ps.reverse_ops} operations",
        "",
        "Growth with depth, width 3: paths multiply, the sweeps stay linear",
    ]
    growth = []
    for depth in depths:
        h = builders.path_explosion(depth, 3)
        target = h.outputs[0]
        count, edges = count_paths(h, "x", target)
        forward_ops, reverse_ops = sweep_costs(h, "x", target, [x])
        growth.append([depth, len(h), count, (edges - count) + (count - 1), forward_ops, reverse_ops])
    lines.append(
        tabulate(
            growth,
            ["depth", "nodes", "paths", "path-sum mul+add", "forward sweep ops", "reverse sweep ops"],
            tablefmt,
        )
    )
    return "\n".join(lines)


def _branch_partial(g: Any, node: str, x: float) -> float:
    """d(node)/d(its argument) at the point: the α..ζ of the seed's picture."""
    from graphdiff.views.report import edge_partials

    return next(e["partial"] for e in edge_partials(g, [x]) if e["to"] == node)


# --- xor ----------------------------------------------------------------------------------


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def xor_delta_rule(W1, b1, W2, b2, X=builders.XOR_X, y=builders.XOR_Y) -> tuple[np.ndarray, ...]:
    """The gradient of ``1/2 sum (y - y_hat)^2`` by the hand-derived delta rule of "how backpropagation works".

    The seed defines the error as ``y - y_hat`` and updates with ``+=``, so its deltas are
    minus the gradient. Transcribed correctly::

        H = sigmoid(X @ W1 + b1);  O = sigmoid(H @ W2 + b2)
        output_error = (y - O) * O * (1 - O)
        hidden_error = (output_error @ W2.T) * H * (1 - H)
        dL/dW2 = -H.T @ output_error     dL/db2 = -sum(output_error, axis=0)
        dL/dW1 = -X.T @ hidden_error     dL/db1 = -sum(hidden_error, axis=0)
    """
    H = _sigmoid(X @ W1 + b1)
    O = _sigmoid(H @ W2 + b2)
    output_error = (y - O) * O * (1 - O)
    hidden_error = (output_error @ W2.T) * H * (1 - H)
    return (
        -(X.T @ hidden_error),
        -hidden_error.sum(axis=0, keepdims=True),
        -(H.T @ output_error),
        -output_error.sum(axis=0, keepdims=True),
    )


def xor_training(
    iterations: int = 10_000,
    seed: int = 0,
    learning_rate: float = 1.0,
    log_every: int = 1000,
    out: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Train the 2-4-1 sigmoid network of "how backpropagation works" on XOR with graphdiff's reverse-mode gradients.

    Every step checks the gradient against :func:`xor_delta_rule` (relative 1e-10) and
    raises ``AssertionError`` if they differ. Weights start as in the seed: standard
    normal, biases zero, from ``numpy.random.default_rng(seed)``. The seed's ``+= delta``
    is a gradient step with learning rate 1.

    Returns the final parameters, predictions, losses and the largest gradient mismatch.

    >>> result = xor_training(iterations=50, log_every=0, out=lambda line: None)
    >>> result["max_mismatch"] < 1e-10
    True
    """
    rng = np.random.default_rng(seed)
    params = [rng.standard_normal((2, 4)), np.zeros((1, 4)), rng.standard_normal((4, 1)), np.zeros((1, 1))]
    graph = builders.mlp((2, 4, 1))
    loss_and_grad = value_and_grad(graph)
    losses, worst = [], 0.0
    for step in range(iterations):
        loss, grads = loss_and_grad(*params)
        for got, want in zip(grads, xor_delta_rule(*params)):
            mismatch = float(np.max(np.abs(got - want) / np.maximum(np.abs(want), 1e-300)))
            worst = max(
                worst, mismatch if np.max(np.abs(want)) > 1e-12 else float(np.max(np.abs(got - want)))
            )
        assert worst <= 1e-10, f"step {step}: reverse mode and the delta rule differ by {worst:.3g}"
        losses.append(loss)
        if log_every and (step % log_every == 0 or step == iterations - 1):
            out(
                f"step {step:6d}   loss {loss:.6f}   gradient = delta rule (largest relative difference so far {worst:.1e})"
            )
        params = [p - learning_rate * d for p, d in zip(params, grads)]
    H = _sigmoid(builders.XOR_X @ params[0] + params[1])
    predictions = _sigmoid(H @ params[2] + params[3]).ravel()
    return {
        "params": params,
        "predictions": predictions,
        "losses": losses,
        "max_mismatch": worst,
        "graph": graph,
    }


def xor_report(iterations: int = 10_000, seed: int = 0, out: Callable[[str], None] = print) -> dict[str, Any]:
    """Run :func:`xor_training`, then print the predictions and what forward mode would have cost."""
    out(
        f"How backpropagation works: a 2-4-1 sigmoid network on XOR, loss 1/2 sum (y - y_hat)^2, {iterations} gradient steps"
    )
    result = xor_training(iterations, seed, out=out)
    rows = [
        [f"{int(x0)} {int(x1)}", int(t), f"{p:.4f}"]
        for (x0, x1), t, p in zip(builders.XOR_X, builders.XOR_Y.ravel(), result["predictions"])
    ]
    out("")
    out(tabulate(rows, ["input", "target", "prediction"]))
    costs = measure(result["graph"], result["params"], modes=("function", "forward", "reverse"), repeats=3)
    f = costs["function"].ops.total
    out("")
    out("One gradient of the loss (17 parameters), counted:")
    out(
        tabulate(
            [[m, c.sweeps, c.ops.total, f"{c.ops.total / f:.1f}", c.stored_values] for m, c in costs.items()],
            ["mode", "sweeps", "ops", "ops/f", "stored"],
        )
    )
    out("Backpropagation is reverse mode: one sweep gives all 17 partial derivatives; forward mode needs 17.")
    return result
