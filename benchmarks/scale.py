"""Speed at scale: the cheap-gradient ratio in wall time, and one graph from 10^3 to 10^6 nodes.

    python benchmarks/scale.py                  # both parts
    python benchmarks/scale.py --max 100000     # stop the scaling run at 10^5 nodes
    python benchmarks/scale.py --write          # also replace the scale blocks of docs/performance.md
    python benchmarks/scale.py --cheap-only 10  # the cheap-gradient table alone, at 10^5 nodes
    python benchmarks/scale.py --cheap-only 10 --repeat 5  # each of its ratios measured 5 times

Part 1: for every builder at about 10^4 nodes, T(gradient, its evaluation included) / T(f),
both through the public API once the code is generated (made ahead, as gd.jit does). Each
ratio's two functions are timed in turn, round after round, so load on the machine slows
both alike.
Part 2: what counting costs next to the sweep it counts, on the same builders: the counts
come from each rule's measured arithmetic summed along the sweep's path (graphdiff.cost.tally).
Part 3: the random DAG of benchmarks/peers.py at growing sizes, cold: trace, prepare,
evaluate, gradient (the interpreter: a graph used once is not compiled) and the operation
counts of the function and of reverse mode, with the peak memory of the process.
"""

from __future__ import annotations

import argparse
import math
import resource
import statistics
import time

import numpy as np
from readme_block import PERFORMANCE, provenance, write_block
from tabulate import tabulate

import graphdiff as gd
from graphdiff import builders
from graphdiff.cli.peers import make_dag, run_ops
from graphdiff.cli.suites import random_point
from graphdiff.compiler import codegen
from graphdiff.cost.sweeps import interleaved_medians
from graphdiff.cost.tally import forward_counts, function_counts, reverse_counts


def builder_graphs(k: int = 1) -> dict:
    """Each builder at about 10^4 nodes times ``k``, with the domain its point is drawn from."""
    return {
        f"speelpenning({5000 * k})": (lambda: builders.speelpenning(5000 * k), (0.99, 1.01)),
        f"path_explosion({2000 * k}, 3)": (lambda: builders.path_explosion(2000 * k, 3), (-1.0, 1.0)),
        f"fan_out({5000 * k})": (lambda: builders.fan_out(5000 * k), (-1.0, 1.0)),
        f"dense_map(30, 30, hidden={150 * k})": (
            lambda: builders.dense_map(30, 30, hidden=150 * k),
            (-1.0, 1.0),
        ),
        f"mlp((2, {1200 * k}, 1), scalar)": (
            lambda: builders.mlp((2, 1200 * k, 1), scalar=True),
            (-1.0, 1.0),
        ),
        f"rosenbrock({1000 * k})": (lambda: builders.rosenbrock(1000 * k), (-1.0, 1.0)),
        f"random_dag({10_000 * k})": (lambda: builders.random_dag(10_000 * k, 100, 1, seed=0), (-1.0, 1.0)),
    }


def _builder_cases(k: int = 1):
    """Each builder's graph, a point of its domain, and the cotangent of one reverse sweep
    seeded at every output (a gradient if there is one output)."""
    for name, (build, domain) in builder_graphs(k).items():
        g = build()
        xs = [float(x) for x in random_point(g, domain)]
        ones = [1.0] * len(g.outputs)
        yield name, g, xs, ones, ones[0] if len(ones) == 1 else ones


def cheap_gradient(k: int = 1, repeat: int = 1) -> str:
    """The cheap-gradient table; with ``repeat`` > 1 each ratio is measured that many times
    and shown as its median and its range."""
    rows = []
    for name, g, xs, ones, cotangent in _builder_cases(k):
        # the steady state: the code generated ahead (as gd.jit does), then the same two sweeps
        # through the API and as generated code alone, without the call's argument checks
        evaluate, vjp = (
            codegen.fast(g.program, "evaluate", force=True),
            codegen.fast(g.program, "vjp", force=True),
        )
        try:
            evaluate(xs)
        except codegen.ARITHMETIC_ERRORS as err:  # the API would time numpy's interpreter instead
            rows.append([name, len(g), len(xs), f"skipped: {err} at this point"])
            continue
        api, code = [], []
        for _ in range(repeat):
            api.append(interleaved_medians([lambda: g(*xs), lambda: gd.vjp(g, xs, cotangent)]))
            # (timed apart from the API's calls: an evaluation right after a gradient call runs
            # 10% slower on speelpenning, its cache and allocator left as the gradient left them)
            code.append(interleaved_medians([lambda: evaluate(xs), lambda: vjp(xs, ones)]))
        t_f, t_grad = (statistics.median(t) for t in zip(*api))
        rows.append([name, len(g), len(xs), f"{t_f * 1e3:.3g} ms", f"{t_grad * 1e3:.3g} ms",
                     _ratio_text([t_grad / t_f for t_f, t_grad in api]),
                     _ratio_text([t_grad / t_f for t_f, t_grad in code])])  # fmt: skip
    headers = ["graph", "nodes", "inputs", "T(f)", "T(gradient)", "ratio", "code alone"]
    return (
        "Cheap gradient in wall time: T(gradient incl. its evaluation) / T(f), through the API and as\n"
        "the generated code alone, without the API's checks of every argument and cotangent\n"
        + (f"(each ratio measured {repeat} times: median and range)\n" if repeat > 1 else "")
        + tabulate(rows, headers, disable_numparse=True)
    )


def _ratio_text(ratios: list[float]) -> str:
    """A ratio from one measurement, or the median and range of several.

    >>> _ratio_text([2.5])
    '2.50'
    >>> _ratio_text([2.9, 3.1, 2.95])
    '2.95 (2.90-3.10)'
    """
    if len(ratios) == 1:
        return f"{ratios[0]:.2f}"
    return f"{statistics.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f})"


def counting_cost() -> str:
    rows = []
    for name, g, xs, _, cotangent in _builder_cases():
        program = g.program
        directions = [1.0] * len(xs)  # one forward sweep seeded at every input
        start = time.perf_counter()
        function_counts(program)  # the first count also works out the program's plan, once
        plan = time.perf_counter() - start
        for kind in ("evaluate", "vjp", "jvp"):  # each sweep uncounted: generated code, made ahead
            codegen.fast(program, kind, force=True)
        sweeps = {  # each sweep, uncounted, and its counts
            "f": (lambda: g(*xs), lambda: function_counts(program)),
            "gradient": (
                lambda: gd.vjp(g, xs, cotangent),
                lambda: function_counts(program) + reverse_counts(program, program.output_slots)[0],
            ),
            "jvp": (
                lambda: gd.jvp(g, xs, directions),
                lambda: forward_counts(program, set(program.input_slots)),
            ),
        }
        row = [name, f"{plan * 1e3:.3g} ms"]
        for run, count in sweeps.values():
            run(), run()
            t_run, t_count = interleaved_medians([run, count], budget=0.6)
            row += [f"{t_count * 1e3:.3g} ms", f"{t_count / t_run:.1f}"]
        rows.append(row)
    headers = ["graph", "plan (once)", "count f", "/ f", "count gradient", "/ gradient", "count jvp", "/ jvp"]
    return "Counting next to the sweep it counts: T(counts) / T(uncounted sweep)\n" + tabulate(
        rows, headers, disable_numparse=True
    )


def scaling(sizes: list[int]) -> str:
    rows, totals = [], []
    lib = {"sin": gd.sin, "exp": gd.exp, "tanh": gd.tanh}
    for nodes in sizes:
        ops = make_dag(nodes)
        xs = [float(x) for x in np.random.default_rng(1).uniform(-1.0, 1.0, 100)]
        start = time.perf_counter()
        g = gd.trace(lambda *x: run_ops(ops, x, lib, 100), *xs)
        traced = time.perf_counter()
        program = g.program
        prepared = time.perf_counter()
        value = g(*xs)
        evaluated = time.perf_counter()
        grad = gd.grad(g)(*xs)
        graded = time.perf_counter()
        f_ops = function_counts(program)
        rev_ops, _ = reverse_counts(program, program.output_slots)
        counted = time.perf_counter()
        total = counted - start
        totals.append(total)
        memory = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
        assert math.isfinite(value) and all(map(math.isfinite, grad))
        rows.append([len(g), *(f"{t:.2f}" for t in (traced - start, prepared - traced, evaluated - prepared,
                     graded - evaluated, counted - graded, total)), f_ops.total, (f_ops + rev_ops).total,
                     f"{memory:.2f}"])  # fmt: skip
    slope = np.polyfit(np.log10(sizes), np.log10(totals), 1)[0] if len(sizes) > 1 else float("nan")
    headers = ["nodes", "trace s", "prepare s", "evaluate s", "gradient s", "count s", "total s",
               "f ops", "gradient ops", "peak GB"]  # fmt: skip
    return (
        "Cold, from a Python function to its gradient and counts\n"
        + tabulate(rows, headers, disable_numparse=True)
        + f"\nslope of log(total time) against log(nodes): {slope:.2f} (1 is linear)"
    )


def _positive(text: str) -> int:
    """A whole number of at least 1, for --cheap-only and --repeat."""
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--max", type=int, default=1_000_000, help="largest scaling size (default 10^6)")
    parser.add_argument(
        "--write", action="store_true", help="replace the scale blocks of docs/performance.md"
    )
    parser.add_argument(
        "--cheap-only",
        type=_positive,
        metavar="K",
        help="only the cheap-gradient table, every builder K times larger",
    )
    parser.add_argument(
        "--repeat",
        type=_positive,
        default=1,
        metavar="N",
        help="measure each cheap-gradient ratio N times: median and range (default 1)",
    )
    args = parser.parse_args()
    if args.cheap_only:
        print(cheap_gradient(args.cheap_only, args.repeat))
        return
    sizes = [n for n in (1_000, 10_000, 100_000, 1_000_000) if n <= args.max]
    cheap = cheap_gradient(1, args.repeat)
    rest = counting_cost() + "\n\n" + scaling(sizes)
    print(cheap + "\n\n" + rest)
    if args.write:
        write_block("scale", "```text\n" + cheap + "\n```\n" + provenance() + "\n", PERFORMANCE)
        write_block("scale-more", "```text\n" + rest + "\n```\n" + provenance() + "\n", PERFORMANCE)


if __name__ == "__main__":
    main()
