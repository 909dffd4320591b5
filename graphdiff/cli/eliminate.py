"""``graphdiff eliminate``: vertex elimination on one graph, or the table of the published benchmark."""

from __future__ import annotations

import json
from typing import Any

from tabulate import tabulate

from graphdiff import builders
from graphdiff.cost.sweeps import median_seconds
from graphdiff.graph.graph import Graph
from graphdiff.transforms.elimination import Elimination, eliminate

__all__ = ["PUBLISHED", "run_one", "render_one", "reproduction", "render_reproduction"]

PUBLISHED = {
    "roe_flux_1d": {"forward": 620, "reverse": 364, "markowitz": 407, "AlphaGrad": 320},
    "robot_arm_6dof": {"forward": 397, "reverse": 301, "markowitz": 288, "AlphaGrad": 231},
    "human_heart_dipole": {"forward": 240, "reverse": 172, "markowitz": 194, "AlphaGrad": 148},
    "propane_combustion": {"forward": 151, "reverse": 90, "markowitz": 111, "AlphaGrad": 88},
}
"""The multiplications the AlphaGrad paper (arXiv 2406.05027) reports for forward, reverse,
Markowitz and its learned order on its four scalar benchmark graphs."""


def accumulate_seconds(result: Elimination) -> float:
    """The median wall time of executing the order as straight-line code, from the edge partials."""
    accumulate = result.accumulate()
    partials = [p for _, _, p in result.edges]
    return median_seconds(lambda: accumulate(partials), least=21, budget=0.1)


def run_one(graph: Graph, point: list, order: Any, budget: float) -> tuple[Elimination, float]:
    result = eliminate(graph, point, order=order, budget=budget)
    return result, accumulate_seconds(result)


def render_one(result: Elimination, seconds: float, fmt: str, tablefmt: str) -> str:
    if fmt == "json":
        return json.dumps({**result.as_dict(), "accumulate_seconds": seconds}, indent=1)
    rows = [
        [
            "order",
            f"{result.order_name}: {', '.join(result.order[:12])}{' ...' if len(result.order) > 12 else ''}",
        ],
        ["vertices eliminated", len(result.order)],
        ["multiplications", result.multiplications],
        ["additions", result.additions],
        [
            "computing the edge partials",
            f"{result.partial_ops.total} ops ({len(result.edges)} edges), not counted above",
        ],
        ["executing the order", _us(seconds) + " (straight-line Python, median)"],
    ]
    jacobian = tabulate(
        [[o, *row] for o, row in zip(result.outputs, result.jacobian.tolist())],
        ["", *result.inputs],
        tablefmt,
        floatfmt=".6g",
    )
    return (
        f"Vertex elimination on {result.graph}\n"
        + tabulate(rows, tablefmt="plain", disable_numparse=True)
        + "\n\nJacobian (outputs by inputs)\n"
        + jacobian
    )


def reproduction(budget: float, progress: Any = None) -> list[dict[str, Any]]:
    """Every published baseline recounted, and graphdiff's best order in ``budget`` seconds per graph."""
    rows = []
    for key, published in PUBLISHED.items():
        if progress:
            progress(f"{key}: the search for a best order ({budget:g} s)")
        name, point = builders.ELIMINATION_BENCHMARKS[key]
        graph = getattr(builders, key)()
        for order, theirs in published.items():
            ours, seconds = run_one(graph, point, "best" if order == "AlphaGrad" else order, budget)
            rows.append(
                {
                    "graph": name,
                    "order": "AlphaGrad / graphdiff best" if order == "AlphaGrad" else order,
                    "published": theirs,
                    "graphdiff": ours.multiplications,
                    "additions": ours.additions,
                    "accumulate_seconds": seconds,
                    "verdict": _verdict(order, theirs, ours.multiplications),
                }
            )
    return rows


def _verdict(order: str, theirs: int, ours: int) -> str:
    if order != "AlphaGrad":
        return "reproduced" if ours == theirs else "DIFFERS"
    return "beats it" if ours < theirs else "matches" if ours == theirs else "worse"


def render_reproduction(rows: list[dict[str, Any]], fmt: str, tablefmt: str, budget: float) -> str:
    if fmt == "json":
        return json.dumps(rows, indent=1)
    table = [
        [r["graph"] if k % 4 == 0 else "", r["order"], r["published"], r["graphdiff"], r["additions"],
         _us(r["accumulate_seconds"]), r["verdict"]]
        for k, r in enumerate(rows)
    ]  # fmt: skip
    headers = ["graph", "order", "published mults", "graphdiff mults", "adds", "executing it", ""]
    return (
        "Multiplications of vertex elimination, AlphaGrad paper (arXiv 2406.05027) against graphdiff\n"
        + tabulate(table, headers, tablefmt, disable_numparse=True)
        + f"\n\ngraphdiff's best: simulated annealing over orders for {budget:g} s per graph, from the best "
        "heuristic.\nexecuting it: the order as straight-line Python from the edge partials (median); "
        "fewer multiplications are not always less time."
    )


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:.3g} µs"
