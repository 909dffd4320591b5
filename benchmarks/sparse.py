"""The tridiagonal Jacobian of a 1-D PDE residual by compressed sweeps (graph colouring).

    python benchmarks/sparse.py            # n = 5000; JAX's jit(jacfwd) beside it where installed
    python benchmarks/sparse.py --n 1000

F_i = x_{i-1} - 2 x_i + x_{i+1} + h^2 sin x_i (graphdiff.builders.pde_residual). Printed:
the colours, the first call (colouring and an interpreted compressed sweep), the call at
which generated code takes over and the steady state after it, for compressed forward and
reverse sweeps; the dense jacfwd, and JAX, for comparison. All measured in this run.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import graphdiff as gd
from graphdiff import builders
from graphdiff.compiler import codegen
from graphdiff.cost.sweeps import median_seconds


def calls_until_compiled(J, x, program, kinds, most: int = 200) -> tuple[int, float]:
    """Call until every kind is generated (tiering decides); the call count and the time spent."""
    started, calls = time.perf_counter(), 1
    while not all(codegen.compiled(program, k) for k in kinds) and calls < most:
        J(*x)
        calls += 1
    return calls, time.perf_counter() - started


def jax_jacfwd(n: int, x: np.ndarray) -> float | None:
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    h2 = (1.0 / (n + 1)) ** 2

    def residual(u):
        padded = jnp.concatenate([jnp.zeros(1), u, jnp.zeros(1)])
        return padded[:-2] - 2 * u + padded[2:] + h2 * jnp.sin(u)

    J = jax.jit(jax.jacfwd(residual))
    J(x).block_until_ready()
    return median_seconds(lambda: J(x).block_until_ready(), least=5, budget=0.0)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=5000, help="grid points (default 5000)")
    args = parser.parse_args()
    n = args.n
    x = [float(v) for v in np.random.default_rng(0).uniform(-1.0, 1.0, n)]
    print(f"tridiagonal Jacobian of pde_residual({n}): {3 * n - 2} nonzeros")
    reference = None
    for mode in ("rev", "fwd"):
        g = builders.pde_residual(n)  # a fresh graph: nothing coloured or generated yet
        J = gd.sparse_jacobian(g, mode=mode)
        start = time.perf_counter()
        first = J(*x)
        first_s = time.perf_counter() - start
        c = gd.colouring(g, mode)
        kinds = [("grad", *group) for group in c.groups] if mode == "rev" else ["jvp"]
        calls, spent = calls_until_compiled(J, x, g.program, kinds)
        steady = median_seconds(lambda: J(*x), least=11, budget=0.0)
        result = J(*x)
        assert abs(result - first).max() == 0.0  # generated code: the same bits as the interpreter
        reference = result if reference is None else reference
        assert abs(result - reference).max() <= 1e-12
        print(f"  compressed {'reverse' if mode == 'rev' else 'forward'}: {c.colours} colours ({c.strategy})")
        print(f"    first call {first_s:.3f} s; generated code from call {calls} ({spent:.2f} s until then)")
        print(f"    steady: {steady * 1e3:.3g} ms")
    dense_n = min(n, 1000)
    g = builders.pde_residual(dense_n)
    Jd = gd.jacfwd(g)
    Jd(*x[:dense_n])
    dense = median_seconds(lambda: Jd(*x[:dense_n]), least=3, budget=0.0)
    print(f"  dense jacfwd (one vector sweep of {dense_n} directions) at n = {dense_n}: {dense * 1e3:.3g} ms")
    jax_s = jax_jacfwd(n, np.array(x))
    if jax_s is None:
        print("  JAX not installed (pip install '.[peers]' to time jit(jacfwd) beside it)")
    else:
        print(f"  JAX jit(jacfwd) of the vectorised residual at n = {n}: {jax_s * 1e3:.3g} ms (dense)")


if __name__ == "__main__":
    main()
