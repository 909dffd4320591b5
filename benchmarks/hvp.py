"""Hessian-vector products on an MLP 784-256-10 (tanh), batch 64, softmax cross-entropy.

    python benchmarks/hvp.py            # graphdiff, and torch.func, autograd and JAX where installed

Times (medians, one run): the gradient, the HVP forward over reverse (jvp of grad) and
reverse over reverse (grad of <grad, v>), each through the API and under gd.jit (traced
once; a graph with arrays is simplified by cse and interpreted with numpy). The peers'
forward-over-reverse HVPs are timed beside them and all HVPs are checked to agree.
"""

from __future__ import annotations

import numpy as np
from tabulate import tabulate

import graphdiff as gd
from graphdiff.cost.sweeps import median_seconds


def median_ms(run, repeats: int = 21) -> float:
    run()  # warm: traces, caches, compiles
    return median_seconds(run, least=repeats, budget=0.0) * 1e3


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


def autograd_hvp(X, Y, params, vector) -> tuple[dict, np.ndarray] | None:
    try:
        import autograd.numpy as anp
        from autograd import grad
        from autograd.differential_operators import hessian_vector_product
    except ImportError:
        return None

    def loss(flat):
        W1, b1, W2, b2 = _unflatten(flat, params)
        z = anp.tanh(X @ W1 + b1) @ W2 + b2
        return (anp.sum(anp.log(anp.sum(anp.exp(z), axis=1))) - anp.sum(Y * z)) / 64.0

    flat, v = _flatten(params), _flatten(vector)
    hvp = hessian_vector_product(loss)
    g = grad(loss)
    times = {
        "gradient": median_ms(lambda: g(flat)),
        "HVP (hessian_vector_product)": median_ms(lambda: hvp(flat, v)),
    }
    return times, hvp(flat, v)


def jax_hvp(X, Y, params, vector) -> tuple[dict, np.ndarray] | None:
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)

    def loss(W1, b1, W2, b2):
        z = jnp.tanh(X @ W1 + b1) @ W2 + b2
        return (jnp.sum(jnp.log(jnp.sum(jnp.exp(z), axis=1))) - jnp.sum(Y * z)) / 64.0

    g = jax.grad(loss, argnums=(0, 1, 2, 3))
    jit_grad = jax.jit(g)
    jit_hvp = jax.jit(lambda *p: jax.jvp(g, p, vector)[1])
    block = lambda out: jax.tree_util.tree_map(lambda a: a.block_until_ready(), out)  # noqa: E731
    times = {
        "gradient, jit": median_ms(lambda: block(jit_grad(*params))),
        "HVP forward over reverse, jit": median_ms(lambda: block(jit_hvp(*params))),
    }
    return times, np.concatenate([np.asarray(h).ravel() for h in jit_hvp(*params)])


def _flatten(arrays) -> np.ndarray:
    return np.concatenate([a.ravel() for a in arrays])


def _unflatten(flat, like):
    parts, start = [], 0
    for a in like:
        parts.append(flat[start : start + a.size].reshape(a.shape))
        start += a.size
    return parts


def main() -> None:
    X, Y, params, vector = problem()
    results = {"graphdiff": ours(X, Y, params, vector)}
    for name, run in (("torch.func", torch_func), ("autograd", autograd_hvp), ("JAX", jax_hvp)):
        measured = run(X, Y, params, vector)
        if measured is not None:
            results[name] = measured
    reference = results["graphdiff"][1]
    rows = []
    for library, (times, hvp) in results.items():
        agrees = float(np.max(np.abs(hvp - reference)) / np.max(np.abs(reference)))
        for what, ms in times.items():
            if library == "graphdiff":  # the reference: the jit HVP forward over reverse
                shown = "reference" if what == "HVP forward over reverse, jit" else ""
            else:
                shown = f"{agrees:.0e}" if what.startswith("HVP") else ""
            rows.append([library, what, f"{ms:.3g} ms", shown])
    print("MLP 784-256-10 (tanh), batch 64, softmax cross-entropy: median wall times")
    print(tabulate(rows, headers=["library", "what", "time", "HVP agrees (rel.)"]))
    t = results["graphdiff"][0]
    print("\nRatios measured in this run:")
    print(
        f"  our HVP forward over reverse, jit / our gradient, jit: {t['HVP forward over reverse, jit'] / t['gradient, jit']:.2f}"
    )
    ours_ms = t["HVP forward over reverse, jit"]
    if "torch.func" in results:
        print(
            f"  torch.func jvp(grad) / our HVP, jit: {results['torch.func'][0]['HVP forward over reverse'] / ours_ms:.2f}"
        )
    if "autograd" in results:
        print(
            f"  autograd hessian_vector_product / our HVP, jit: {results['autograd'][0]['HVP (hessian_vector_product)'] / ours_ms:.2f}"
        )
    if "JAX" in results:
        print(
            f"  our HVP, jit / JAX jit(jvp(grad)): {ours_ms / results['JAX'][0]['HVP forward over reverse, jit']:.2f}"
        )
    missing = [name for name in ("torch.func", "autograd", "JAX") if name not in results]
    if missing:
        print(
            f"  (not installed: {', '.join(missing)}; pip install '.[peers]' to time them beside graphdiff)"
        )


if __name__ == "__main__":
    main()
