"""The benchmark harness: graph families at several sizes, every mode measured, as rows.

A row is one (graph, size, mode) with the counts and times of :func:`graphdiff.cost.sweeps`
and the ratios to the function's own cost measured in the same run.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from tabulate import tabulate

from graphdiff import builders
from graphdiff.cost.sweeps import COMPRESSED, MODES, feasible_modes, measure
from graphdiff.errors import ArgumentError
from graphdiff.graph.graph import Graph

__all__ = ["FAMILIES", "Family", "bench_graph", "run_suite", "crossover", "render", "POINT_SEED"]

POINT_SEED = 0


@dataclass(frozen=True)
class Family:
    """A graph builder indexed by one size, with its default sizes and a domain for points."""

    build: Callable[[int], Graph]
    sizes: tuple[int, ...]
    size_means: str
    domain: tuple[float, float] = (-1.0, 1.0)
    timed: tuple[str, ...] | None = None  # the modes timed (default all; the others are counted only)
    modes: tuple[str, ...] = MODES  # the modes measured at all


FAMILIES: dict[str, Family] = {
    "speelpenning": Family(builders.speelpenning, (10, 100, 300), "n inputs (product of n)", (0.9, 1.1)),
    "path_explosion": Family(lambda d: builders.path_explosion(d, 3), (4, 8, 16), "depth (width 3)"),
    "fan_out": Family(builders.fan_out, (10, 100), "m outputs (1 input)"),
    "dense_map": Family(lambda n: builders.dense_map(n, n), (4, 16), "n inputs = m outputs (hidden 8)"),
    "mlp": Family(lambda h: builders.mlp((2, h, 1), scalar=True), (2, 4, 8), "hidden width (XOR, scalars)"),
    "mlp_array": Family(lambda h: builders.mlp((2, h, 1)), (4, 32), "hidden width (XOR, arrays)"),
    "classifier": Family(
        lambda h: builders.classifier((784, h, 10)),
        (256,),
        "hidden width (784-h-10 softmax cross-entropy, batch 64)",
        (-0.05, 0.05),
        timed=("function", "reverse"),
        modes=("function", "forward", "reverse"),  # a vector sweep would hold 203,530 x 64 x 256 numbers
    ),
    "rosenbrock": Family(builders.rosenbrock, (10, 100), "n inputs"),
    "pde_residual": Family(
        builders.pde_residual,
        (10, 100),
        "n inputs = n outputs (tridiagonal Jacobian)",
        modes=MODES + COMPRESSED,
    ),
    "random_dag": Family(lambda n: builders.random_dag(n, 10, 1, seed=0), (100, 1000), "nodes (10 inputs)"),
}


def _check_repeats(repeats: Any) -> None:
    if isinstance(repeats, bool) or not isinstance(repeats, int | np.integer) or repeats < 1:
        raise ArgumentError(f"repeats must be a positive integer, got {repeats!r}")


def _check_formats(fmt: str, tablefmt: str) -> None:
    from tabulate import tabulate_formats

    if fmt not in ("table", "json", "csv"):
        raise ArgumentError(f"fmt must be 'table', 'json' or 'csv', got {fmt!r}")
    if tablefmt not in tabulate_formats:
        raise ArgumentError(f"unknown tablefmt {tablefmt!r}; choose from {', '.join(tabulate_formats)}")


def random_point(graph: Graph, domain: tuple[float, float] = (-1.0, 1.0), seed: int = POINT_SEED) -> list:
    """A reproducible random point for the graph's inputs, uniform in ``domain``."""
    rng = np.random.default_rng(seed)
    return [rng.uniform(*domain, size=graph.shape_of(n)) for n in graph.inputs]


def bench_graph(
    graph: Graph,
    inputs: Sequence[Any],
    family: str,
    size: Any,
    repeats: int = 3,
    modes: Sequence[str] = MODES,
    timed: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """Measure every mode on one graph; one row per mode, with ratios to the function.

    The modes not in ``timed`` (default: all are timed) are counted, not run: their
    ``seconds`` and ``time_ratio`` are None.

    Examples
    --------
    >>> rows = bench_graph(builders.speelpenning(3), [1.0, 2.0, 3.0], "speelpenning", 3, repeats=1)
    >>> [(r["mode"], r["sweeps"]) for r in rows]
    [('function', 1), ('forward', 3), ('forward-vector', 1), ('reverse', 1)]
    >>> bench_graph(builders.speelpenning(3), [1.0, 2.0, 3.0], "speelpenning", 3, repeats=0)
    Traceback (most recent call last):
    ...
    graphdiff.errors.ArgumentError: repeats must be a positive integer, got 0
    """
    _check_repeats(repeats)
    costs = measure(
        graph,
        inputs,
        modes=("function", *[m for m in modes if m != "function"]),
        repeats=repeats,
        timed=timed,
    )
    f = costs["function"]
    program = graph.program
    n_in = sum(program.sizes[s] for s in program.input_slots)
    n_out = sum(program.sizes[s] for s in program.output_slots)
    return [
        {
            "family": family,
            "size": size,
            "n_inputs": n_in,
            "n_outputs": n_out,
            "nodes": len(program),
            "mode": c.mode,
            "sweeps": c.sweeps,
            "ops": c.ops.as_dict(),
            "ops_ratio": c.ops.total / f.ops.total if f.ops.total else None,
            "stored_values": c.stored_values,
            "peak_live": c.peak_live,
            "seconds": c.seconds,
            "time_ratio": _ratio(c.seconds, f.seconds),
        }
        for c in costs.values()
        if c.mode in modes
    ]


def _ratio(seconds: float | None, f_seconds: float | None) -> float | None:
    if seconds is None or f_seconds is None:
        return None
    return seconds / f_seconds if f_seconds else float("nan")


def run_suite(
    families: Iterable[str],
    sizes: Sequence[int] | None = None,
    repeats: int = 3,
    progress: Callable[[str], None] | None = None,
) -> list[dict[str, Any]]:
    """Benchmark each family at ``sizes`` (default: the family's own sizes).

    Every argument is checked before the first graph is built.
    """
    _check_repeats(repeats)
    for size in sizes or ():
        if isinstance(size, bool) or not isinstance(size, int | np.integer) or size < 1:
            raise ArgumentError(f"sizes must be positive integers, got {size!r}")
    rows = []
    jobs = []
    for name in families:
        if name not in FAMILIES:
            raise ArgumentError(f"unknown family {name!r}; choose from {', '.join(FAMILIES)} or all")
        jobs += [(name, size) for size in (sizes or FAMILIES[name].sizes)]
    for k, (name, size) in enumerate(jobs, start=1):
        if progress:
            progress(f"[{k}/{len(jobs)}] {name} size {size}")
        family = FAMILIES[name]
        graph = family.build(size)
        rows += bench_graph(
            graph, random_point(graph, family.domain), name, size, repeats, family.modes, family.timed
        )
    return rows


def user_modes(graph: Graph) -> tuple[tuple[str, ...], tuple[str, ...], list[str]]:
    """The modes to measure on a user's graph, the modes to time, and a line for each left out, saying why.

    >>> modes, timed, notes = user_modes(builders.classifier((784, 256, 10)))
    >>> timed
    ('function', 'reverse')
    >>> for note in notes:
    ...     print(note)
    forward-vector left out: its tangents would hold up to 5.2e+10 numbers (203,530 input elements at each of 256,269 node elements)
    forward counted, not timed: 203,530 sweeps of 306,446 elements each
    >>> user_modes(builders.speelpenning(10))
    (('function', 'forward', 'forward-vector', 'reverse'), ('function', 'forward', 'forward-vector', 'reverse'), [])
    """
    return feasible_modes(graph.program, MODES)


def crossover(total: int = 24, hidden: int = 8, repeats: int = 3) -> list[dict[str, Any]]:
    """dense_map(n, m) for n + m = ``total``: which mode computes the whole Jacobian cheapest.

    Returns one row per (n, m) with the total operations and seconds of forward mode (n
    sweeps), vector forward mode (one sweep, n directions) and reverse mode (m sweeps).
    """
    if total < 2:
        raise ArgumentError(f"crossover needs a total of at least 2 inputs and outputs, got {total}")
    _check_repeats(repeats)
    splits = sorted({max(1, min(total - 1, round(total * f))) for f in (1 / 24, 1 / 12, 1 / 6, 1 / 3, 1 / 2)})
    splits = sorted(set(splits) | {total - n for n in splits})
    rows = []
    for n in splits:
        m = total - n
        graph = builders.dense_map(n, m, hidden=hidden)
        costs = {
            r["mode"]: r for r in bench_graph(graph, random_point(graph), "dense_map", f"{n}x{m}", repeats)
        }
        ops = {mode: costs[mode]["ops"]["total"] for mode in ("forward", "forward-vector", "reverse")}
        secs = {mode: costs[mode]["seconds"] for mode in ("forward", "forward-vector", "reverse")}
        rows.append(
            {
                "n_inputs": n,
                "n_outputs": m,
                "function_ops": costs["function"]["ops"]["total"],
                **{f"{mode}_ops": v for mode, v in ops.items()},
                "fewest_ops": min(ops, key=ops.get),
                **{f"{mode}_seconds": v for mode, v in secs.items()},
                "fastest": min(secs, key=secs.get),
            }
        )
    return rows


# --- rendering ----------------------------------------------------------------------------

TABLE_COLUMNS = [
    ("graph", lambda r, first: f"{r['family']} {r['size']}" if first else ""),
    ("in→out", lambda r, first: f"{r['n_inputs']}→{r['n_outputs']}" if first else ""),
    ("nodes", lambda r, first: r["nodes"] if first else ""),
    ("mode", lambda r, first: r["mode"]),
    ("sweeps", lambda r, first: r["sweeps"]),
    ("ops", lambda r, first: r["ops"]["total"]),
    ("ops/f", lambda r, first: "-" if r["ops_ratio"] is None else f"{r['ops_ratio']:.2f}"),
    ("mul", lambda r, first: r["ops"]["mul"]),
    ("add", lambda r, first: r["ops"]["add"]),
    ("nonlin", lambda r, first: r["ops"]["nonlinear"]),
    ("stored", lambda r, first: r["stored_values"]),
    ("peak live", lambda r, first: r["peak_live"]),
    ("time", lambda r, first: _seconds(r["seconds"])),
    ("time/f", lambda r, first: "" if r["time_ratio"] is None else f"{r['time_ratio']:.1f}"),
]

CSV_COLUMNS = [
    "family", "size", "n_inputs", "n_outputs", "nodes", "mode", "sweeps",
    *[f"ops_{k}" for k in ("add", "mul", "div", "nonlinear", "cmp", "total")],
    "ops_ratio", "stored_values", "peak_live", "seconds", "time_ratio",
]  # fmt: skip


def _seconds(s: float | None) -> str:
    if s is None:
        return "not run"
    return f"{s * 1e3:.3g} ms" if s < 1 else f"{s:.3g} s"


def render(rows: list[dict[str, Any]], fmt: str = "table", tablefmt: str = "simple") -> str:
    """Rows as a table (one block per graph), JSON or CSV."""
    _check_formats(fmt, tablefmt)
    if fmt == "json":
        return json.dumps(rows, indent=1)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for r in rows:
            flat = {**r, **{f"ops_{k}": v for k, v in r["ops"].items()}}
            writer.writerow([flat[c] for c in CSV_COLUMNS])
        return out.getvalue().rstrip("\n")
    table, previous = [], None
    for r in rows:
        key = (r["family"], r["size"])
        table.append([column(r, key != previous) for _, column in TABLE_COLUMNS])
        previous = key
    legend = (
        "ops: arithmetic performed (counted); ops/f and time/f: ratios to evaluating the function, "
        "measured in this run.\nforward: one sweep per input; forward-vector: one sweep carrying every "
        "input direction; reverse: one evaluation + one sweep per output; -compressed: one per colour of "
        "the Jacobian's columns (rows).\nstored: numbers the reverse "
        "sweeps read from the evaluation; peak live: most numbers alive at once; time: median wall time."
    )
    return (
        tabulate(table, [name for name, _ in TABLE_COLUMNS], tablefmt, disable_numparse=True)
        + "\n\n"
        + legend
    )


def _dumped(rows: list[dict[str, Any]], fmt: str) -> str:
    """Rows of one level of fields as JSON or CSV (one column per field, in the first row's order)."""
    if fmt == "json":
        return json.dumps(rows, indent=1)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().rstrip("\n")


def render_crossover(rows: list[dict[str, Any]], fmt: str = "table", tablefmt: str = "simple") -> str:
    """The crossover rows as a table, JSON or CSV."""
    _check_formats(fmt, tablefmt)
    if fmt != "table":
        return _dumped(rows, fmt)
    table = [
        [f"{r['n_inputs']}→{r['n_outputs']}", r["function_ops"], r["forward_ops"], r["forward-vector_ops"],
         r["reverse_ops"], r["fewest_ops"], _seconds(r["forward_seconds"]), _seconds(r["forward-vector_seconds"]),
         _seconds(r["reverse_seconds"]), r["fastest"]]
        for r in rows
    ]  # fmt: skip
    headers = ["n→m", "f ops", "forward ops", "fwd-vector ops", "reverse ops", "fewest ops",
               "forward time", "fwd-vector time", "reverse time", "fastest"]  # fmt: skip
    return (
        "Full Jacobian of dense_map(n, m) = tanh(B tanh(A x)), n + m fixed: forward mode needs n sweeps, "
        "reverse mode m.\n" + tabulate(table, headers, tablefmt, disable_numparse=True)
    )


# the families with one scalar output, whose Hessian is a matrix: second order's default
SECOND_ORDER_FAMILIES = ("speelpenning", "path_explosion", "mlp", "rosenbrock", "random_dag")
SECOND_ORDER_SIZES = {"speelpenning": (10, 30), "path_explosion": (4, 8), "mlp": (2, 4),
                      "rosenbrock": (10, 30), "random_dag": (100, 300)}  # fmt: skip


def second_order_suite(
    families: Iterable[str],
    sizes: Sequence[int] | None = None,
    repeats: int = 3,
    progress: Callable[[str], None] | None = None,
) -> list[dict[str, Any]]:
    """The Hessian-vector product three ways round and the full Hessian, per family and size.

    One row per composition, with its operations (counted), ratios to the function, the
    values its reverse sweeps keep and its time; ``fewest`` marks the Hessian-vector
    product with the fewest operations.

    >>> rows = second_order_suite(["rosenbrock"], [4], repeats=1)
    >>> [(r["mode"], r["ops"]["total"]) for r in rows][1:]  # doctest: +NORMALIZE_WHITESPACE
    [('forward-over-reverse', 122), ('reverse-over-reverse', 102), ('reverse-over-forward', 119), ('hessian', 138)]
    """
    from graphdiff.cost.second_order import second_order_costs

    _check_repeats(repeats)
    families = list(families)
    for name in families:
        if name not in SECOND_ORDER_FAMILIES:
            raise ArgumentError(
                f"second order needs one scalar output: choose from {', '.join(SECOND_ORDER_FAMILIES)}, got {name!r}"
            )
    rows = []
    for name in families:
        family = FAMILIES[name]
        for size in sizes or SECOND_ORDER_SIZES[name]:
            if progress:
                progress(f"second order: {name} {size}")
            graph = family.build(size)
            point = random_point(graph, family.domain)
            costs = second_order_costs(graph, point, repeats=repeats)
            f = costs[0]
            hvps = [c for c in costs if c.mode not in ("function", "hessian")]
            fewest = min(hvps, key=lambda c: c.ops.total).mode
            for c in costs:
                rows.append({
                    "family": name, "size": size, "nodes": len(graph), "mode": c.mode,
                    "ops": c.ops.as_dict(), "ops_after_cse": c.ops_after_cse.total, "ops_ratio": c.ops.total / f.ops.total if f.ops.total else None,
                    "stored_values": c.stored_values, "seconds": c.seconds,
                    "time_ratio": c.seconds / f.seconds if f.seconds else float("nan"),
                    "fewest": c.mode == fewest,
                })  # fmt: skip
    return rows


def render_second_order(rows: list[dict[str, Any]], fmt: str = "table", tablefmt: str = "simple") -> str:
    """The second-order rows as a table, JSON or CSV."""
    _check_formats(fmt, tablefmt)
    if fmt == "json":
        return _dumped(rows, fmt)
    if fmt == "csv":  # one column per kind of operation
        flat = [{**{k: v for k, v in r.items() if k != "ops"}, **{f"ops_{k}": v for k, v in r["ops"].items()}}
                for r in rows]  # fmt: skip
        return _dumped(flat, fmt)
    table, previous = [], None
    for r in rows:
        key = (r["family"], r["size"])
        first = key != previous
        previous = key
        table.append([
            r["family"] if first else "", r["size"] if first else "", r["nodes"] if first else "", r["mode"],
            r["ops"]["total"], r["ops_after_cse"], "-" if r["ops_ratio"] is None else f"{r['ops_ratio']:.1f}", r["stored_values"], _seconds(r["seconds"]),
            f"{r['time_ratio']:.1f}", "fewest ops" if r["fewest"] else "",
        ])  # fmt: skip
    headers = [
        "graph",
        "size",
        "nodes",
        "second order",
        "ops",
        "after CSE",
        "ops/f",
        "stored",
        "time",
        "time/f",
        "",
    ]
    legend = (
        "Hessian-vector product H v three ways round, and the whole Hessian (forward over reverse), each a "
        "derivative graph whose arithmetic is counted.\nops: as the sweeps perform it (ops/f, and fewest, "
        "use these); after CSE: once values computed twice are shared (common-subexpression elimination).\n"
        "ops/f and time/f: ratios to evaluating the function, "
        "measured in this run; stored: numbers the reverse sweeps read from their evaluations."
    )
    return tabulate(table, headers, tablefmt, disable_numparse=True) + "\n\n" + legend


def stderr_progress() -> Callable[[str], None] | None:
    """A progress printer on stderr when it is a terminal, else ``None``."""
    if not sys.stderr.isatty():
        return None

    def show(message: str) -> None:
        print(f"\r\033[K{message}", end="", file=sys.stderr, flush=True)

    return show
