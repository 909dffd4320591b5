"""The full Jacobian of a scalar graph with many inputs by jacfwd: first call and steady state.

    python benchmarks/jacobian.py              # dense_map(200, 200): 200 inputs, 200 outputs
    python benchmarks/jacobian.py --n 500

Printed: the first call (the vector sweep generated and run), the median later call
through the API, the median of the generated vector sweep alone, and their ratio, all
measured in this run.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import graphdiff as gd
from graphdiff import builders
from graphdiff.compiler import codegen
from graphdiff.cost.sweeps import median_seconds
from graphdiff.transforms.jacobians import _unit_seeds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=200, help="inputs and outputs of dense_map (default 200)")
    args = parser.parse_args()
    g = builders.dense_map(args.n, args.n, hidden=8)
    x = [float(v) for v in np.random.default_rng(0).uniform(-1.0, 1.0, args.n)]
    jacobian = gd.jacfwd(g)
    start = time.perf_counter()
    jacobian(*x)
    first = time.perf_counter() - start
    steady = median_seconds(lambda: jacobian(*x), least=11, budget=0.0)
    sweep, seeds = codegen.fast(g.program, "jacfwd"), _unit_seeds(args.n)
    alone = median_seconds(lambda: sweep(x, seeds), least=11, budget=0.0)
    print(f"jacfwd of dense_map({args.n}, {args.n}), {len(g)} scalar nodes")
    print(f"  first call: {first:.2f} s (the vector sweep generated, then run)")
    print(f"  later call: {steady * 1e3:.3g} ms; the vector sweep alone: {alone * 1e3:.3g} ms")
    print(f"  later call / vector sweep alone: {steady / alone:.2f}")


if __name__ == "__main__":
    main()
