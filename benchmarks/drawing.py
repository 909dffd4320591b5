"""Pictures at scale: the time and peak memory of drawing one graph, from 10^2 to 10^4 nodes.

    python benchmarks/drawing.py                        # speelpenning and random_dag, 100 to 10^4 nodes
    python benchmarks/drawing.py --sizes 100,200 --families speelpenning

Each picture is annotated as `graphdiff draw GRAPH --reverse` annotates it (values, edge
partials and adjoints at a random point) and drawn in a fresh interpreter of its own, so
that the peak resident memory it reports (ru_maxrss, which sees matplotlib's pixel buffers
where tracemalloc does not) is that picture's alone: "loaded MB" is the child's memory once
graphdiff, matplotlib and the graph are in, "peak MB" its high-water mark after drawing.
PNG and SVG are drawn up to graphdiff.views.draw.MAX_DRAW_NODES nodes and refused by name past
it; DOT text is written at every size.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

from tabulate import tabulate

FORMATS = ("png", "svg", "dot")
FAMILIES = ("speelpenning", "random_dag")


def graph_of(family: str, nodes: int):
    """A graph of ``family`` with about ``nodes`` nodes.

    Examples
    --------
    >>> len(graph_of("speelpenning", 199)), len(graph_of("random_dag", 200))
    (199, 200)
    """
    from graphdiff import builders

    if family == "speelpenning":  # n inputs, n - 1 multiplications
        return builders.speelpenning(max((nodes + 1) // 2, 2))
    if family == "random_dag":
        inputs = max(min(10, nodes // 10), 1)
        return builders.random_dag(max(nodes - inputs, 1), inputs, 1, seed=0)
    raise SystemExit(f"unknown family {family!r}; choose from {', '.join(FAMILIES)}")


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def measure(family: str, nodes: int, format: str) -> dict:
    """Draw one picture in this process; its size, seconds and memory, or how it was refused."""
    import warnings

    import graphdiff as gd
    from graphdiff.cli.suites import random_point
    from graphdiff.views.plot import require_matplotlib

    require_matplotlib()
    import matplotlib.figure  # noqa: F401  (loaded before the baseline, as a session would have it)

    graph = graph_of(family, nodes)
    point = random_point(graph)
    loaded = _rss_mb()
    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a long product may overflow: its picture is still drawn
        path = os.path.join(folder, f"picture.{format}")
        start = time.perf_counter()
        try:
            gd.draw(graph, point, reverse=True, path=path)
            outcome = f"{os.path.getsize(path) / 1e6:.2f} MB file"
        except gd.GraphError as err:
            outcome = f"refused: {type(err).__name__}"
        seconds = time.perf_counter() - start
    return {
        "graph": graph.name,
        "nodes": len(graph),
        "format": format,
        "seconds": seconds,
        "loaded MB": loaded,
        "peak MB": _rss_mb(),
        "outcome": outcome,
    }


def measure_in_child(family: str, nodes: int, format: str, timeout: float = 600.0) -> dict:
    """:func:`measure` in a fresh interpreter, so that its peak memory is its own."""
    command = [sys.executable, os.path.abspath(__file__), "--one", family, str(nodes), format]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[2:])} failed:\n{done.stderr}")
    return json.loads(done.stdout)


def render_table(rows: list[dict]) -> str:
    """The measurements as a text table.

    Examples
    --------
    >>> row = {"graph": "g", "nodes": 3, "format": "dot", "seconds": 0.01, "loaded MB": 90.0,
    ...        "peak MB": 91.5, "outcome": "0.00 MB file"}
    >>> render_table([row]).splitlines()[2].split()
    ['g', '3', 'dot', '0.010', '90.0', '91.5', '0.00', 'MB', 'file']
    """
    headers = ["graph", "nodes", "format", "seconds", "loaded MB", "peak MB", "outcome"]
    body = [
        [r["graph"], r["nodes"], r["format"], f"{r['seconds']:.3f}", f"{r['loaded MB']:.1f}",
         f"{r['peak MB']:.1f}", r["outcome"]]
        for r in rows
    ]  # fmt: skip
    return tabulate(body, headers, disable_numparse=True)


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated node counts, got {text!r}") from None
    if not sizes or min(sizes) < 3:
        raise argparse.ArgumentTypeError(f"expected node counts of at least 3, got {text!r}")
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=_sizes, default=[100, 200, 1000, 10_000], help="node counts")
    parser.add_argument(
        "--families", default=",".join(FAMILIES), help=f"comma-separated, from {', '.join(FAMILIES)}"
    )
    parser.add_argument("--one", nargs=3, metavar=("FAMILY", "NODES", "FORMAT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        family, nodes, format = args.one
        print(json.dumps(measure(family, int(nodes), format)))
        return
    from graphdiff.views.draw import MAX_DRAW_NODES

    rows = []
    for family in args.families.split(","):
        for nodes in args.sizes:
            for format in FORMATS:
                rows.append(measure_in_child(family, nodes, format))
                if sys.stderr.isatty():
                    print(f"{rows[-1]['graph']} {format}: {rows[-1]['seconds']:.2f} s", file=sys.stderr)
    print(f"Drawing one annotated picture (reverse sweep); PNG and SVG refused past {MAX_DRAW_NODES} nodes")
    print(render_table(rows))


if __name__ == "__main__":
    main()
