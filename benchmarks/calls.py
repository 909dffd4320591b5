"""What a sequence of gradient calls costs: interpreted, then compiled once it pays (tiering).

    python benchmarks/calls.py                     # the random DAG of peers.py at 10^4 and 10^5 nodes
    python benchmarks/calls.py --sizes 1000000 --no-jit   # 10^6 nodes (about 8 minutes, 10 GB)

For each size, one process per size: gd.grad on the graph, called until it runs generated
code and a few times more. Printed: the first (interpreted) call, the median interpreted
call, the call that generates the code and how many calls came before it, a later call,
the total over the sequence against always interpreting (the same number of calls at the
median interpreted time), and the process's peak memory before and after generating.
Then gd.jit(gd.grad(g)) on the same graph: its first call (tracing the gradient's graph and
compiling its evaluation) and a later one.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time

from tabulate import tabulate


def _peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6  # kilobytes on Linux


def one_size(n: int, jit: bool = True) -> dict:
    import numpy as np

    import graphdiff as gd
    from graphdiff.cli.peers import make_dag, run_ops
    from graphdiff.compiler import codegen

    ops = make_dag(n)
    xs = [float(v) for v in np.random.default_rng(1).uniform(-1.0, 1.0, 100)]
    library = {"sin": gd.sin, "exp": gd.exp, "tanh": gd.tanh}
    f = lambda *x: run_ops(ops, x, library, 100)
    g = gd.trace(f, *xs)
    _ = g.program  # prepared before the clock starts: the calls are what is measured
    grad = gd.grad(g)
    before = _peak_gb()
    times, compiled_at = [], None
    while compiled_at is None or len(times) < compiled_at + 3:
        start = time.perf_counter()
        grad(*xs)
        times.append(time.perf_counter() - start)
        if compiled_at is None and codegen.compiled(g.program, "grad"):
            compiled_at = len(times)  # this call generated the code, then ran it
        if len(times) > 200:
            break
    interpreted = times[: compiled_at - 1] if compiled_at else times
    median_interpreted = statistics.median(interpreted)
    after = _peak_gb()
    jit_first = jit_later = None
    if jit:
        jit_start = time.perf_counter()
        jitted = gd.jit(gd.grad(g))  # the Graph: f itself closes over the list of operations
        jitted(*xs)
        jit_first = time.perf_counter() - jit_start
        start = time.perf_counter()
        jitted(*xs)
        jit_later = time.perf_counter() - start
    return {
        "nodes": len(g),
        "first": times[0],
        "interpreted": median_interpreted,
        "compiled_at": compiled_at,
        "generating": times[compiled_at - 1] if compiled_at else None,
        "later": statistics.median(times[compiled_at:]) if compiled_at else None,
        "total": sum(times),
        "always": median_interpreted * len(times),
        "peak_before": before,
        "peak_after": after,
        "jit_first": jit_first,
        "jit_later": jit_later,
    }


def _s(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds * 1e3:.3g} ms" if seconds < 1 else f"{seconds:.3g} s"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes", default="10000,100000", help="DAG sizes, comma-separated (default 10000,100000)"
    )
    parser.add_argument(
        "--no-jit", action="store_true", help="leave out gd.jit (at 10^6 nodes it needs over 15 GB)"
    )
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a child process: one size, as JSON
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_size(args.one, jit=not args.no_jit)))
        return
    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        child = [sys.executable, __file__, "--one", str(n), *(["--no-jit"] if args.no_jit else [])]
        out = subprocess.run(child, capture_output=True, text=True, check=True)
        r = json.loads(out.stdout)
        rows.append([
            r["nodes"], _s(r["first"]), _s(r["interpreted"]), r["compiled_at"], _s(r["generating"]),
            _s(r["later"]), f"{r['total'] / r['always']:.2f}", f"{r['peak_before']:.2f}", f"{r['peak_after']:.2f}",
            _s(r["jit_first"]), _s(r["jit_later"]),
        ])  # fmt: skip
    print(
        "A sequence of gd.grad calls on the random DAG: interpreted until compiling pays, then generated code"
    )
    print(tabulate(rows, headers=[
        "nodes", "first call", "interpreted (median)", "compiled at call", "that call", "later call",
        "total / always interpreting", "peak GB before", "peak GB after", "jit: first call", "jit: later",
    ]))  # fmt: skip


if __name__ == "__main__":
    main()
