"""The step-through page: both sweeps, the backward program, the path sum and an elimination, played step by step.

``show(g, inputs)`` computes every view's steps in Python (:mod:`graphdiff.views.page.steps`)
and writes them into ONE self-contained HTML file: inline CSS and a short script, the data
as JSON in a ``<script type="application/json">`` element, nothing fetched from anywhere.
It works offline, in a mail attachment and in Jupyter (``_repr_html_``). Each view is
stepped with Prev/Next or the arrow keys; a banner always says which sweep has run and up
to which step its values are shown, so a picture is never taken for state it does not show.

Pictures share :func:`graphdiff.views.draw.routed_layout` (where each box sits and where
each edge passes), :func:`graphdiff.views.draw.route` and :mod:`graphdiff.views.style` with
the static ones. A graph of more than
:data:`~graphdiff.views.page.geometry.MAX_DIAGRAM_NODES` nodes is not drawn: its steps are
listed, at most :data:`~graphdiff.views.page.steps.MAX_STEPS` per sweep and fewer
choices, so the file stays small at any size.
"""

from __future__ import annotations

import html
import json
import math
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from graphdiff.errors import ArgumentError, GraphError
from graphdiff.graph.graph import Graph
from graphdiff.modes.evaluate import evaluate
from graphdiff.transforms.elimination import ORDERS, linearize_graph
from graphdiff.views.draw import annotate, routed_layout
from graphdiff.views.page import assets
from graphdiff.views.page.geometry import MAX_DIAGRAM_NODES, Diagram, diagram
from graphdiff.views.page.steps import (
    MAX_PATHS,
    Sweep,
    backward_steps,
    elimination_steps,
    fmt,
    forward_steps,
    path_steps,
    reverse_steps,
)
from graphdiff.views.paths import count_paths

__all__ = ["show", "Page", "page_data", "VIEWS", "SHOWN_ORDERS"]

VIEWS = ("forward", "reverse", "backward", "paths", "elimination")
"""The page's views, in the order of its tabs."""
SHOWN_ORDERS = ("forward", "reverse", "markowitz", "best")
"""The elimination orders the page offers by default."""
MAX_CHOICES = 8
"""The most seeds, outputs or paths a view offers (3 for a graph too large to draw)."""

_TITLES = {
    "forward": "Forward sweep",
    "reverse": "Reverse sweep",
    "backward": "Backward program",
    "paths": "Path sum",
    "elimination": "Vertex elimination",
}
_COLOURS = {"forward": "tangent", "reverse": "adjoint", "backward": "adjoint", "paths": "partial",
            "elimination": "partial"}  # fmt: skip
_BEFORE = {
    "forward": "primal values of the evaluation shown, no tangent yet",
    "reverse": "primal values of the evaluation shown, no adjoint yet",
    "backward": "the original shows the evaluation; the backward program has computed nothing yet",
    "paths": "edge partials shown, no path taken yet",
    "elimination": "the linearized graph with its edge partials, nothing eliminated yet",
}


class Page:
    """A step-through page: ``html`` is the whole self-contained file, ``data`` what it plays.

    ``save(path)`` writes it; in Jupyter it shows itself inline (in an ``iframe``, so
    that its keys and styles stay its own).
    """

    def __init__(self, text: str, data: dict[str, Any]) -> None:
        self.html = text
        self.data = data

    def save(self, path: str | os.PathLike) -> Path:
        """Write the page to ``path`` (UTF-8) and return the path."""
        target = Path(path)
        target.write_text(self.html, encoding="utf-8")
        return target

    def _repr_html_(self) -> str:
        return (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" title="{html.escape(self.data["title"])}" '
            'style="width: 100%; height: 860px; border: 1px solid #ddd;"></iframe>'
        )

    def __repr__(self) -> str:
        views = ", ".join(v["key"] for v in self.data["views"])
        return f"<graphdiff page of {self.data['graph']}: {views}; {len(self.html.encode()) / 1024:.0f} KB>"


def show(
    g: Graph | Callable,
    inputs: Mapping[str, Any] | Sequence[Any],
    *,
    views: Sequence[str] = VIEWS,
    seeds: Sequence[str] | None = None,
    outputs: Sequence[str] | None = None,
    orders: Sequence[str] = SHOWN_ORDERS,
    iterations: int = 200,
    title: str | None = None,
) -> Page:
    """A self-contained HTML page that plays the sweeps of ``g`` at ``inputs`` step by step.

    Parameters
    ----------
    g : Graph or function
        A function is traced at ``inputs`` (a sequence of its arguments).
    inputs : mapping or sequence
        The point: the input values, by name or in input order.
    views : sequence of str
        Which of :data:`VIEWS` to show, in this order. The path sum and elimination need a
        graph of scalars; on a graph of arrays they are left out, and the page says so.
    seeds, outputs : sequence of str, optional
        The inputs the forward sweep may be seeded at and the outputs the reverse sweep
        (default: every one, at most :data:`MAX_CHOICES`).
    orders : sequence of str
        The elimination orders to offer (names of ``gd.eliminate``); ``"best"`` searches
        for ``iterations`` steps, so the page is the same every time.
    title : str, optional
        The page's heading (default: the graph's name).

    Raises
    ------
    ArgumentError
        A view, order or ``iterations`` that is not one, naming the argument.
    SeedError
        A seed that is not an input or an output that is not an output.
    InputError
        Input values that do not fit the graph.

    Examples
    --------
    >>> import graphdiff as gd
    >>> page = gd.views.show(gd.builders.colah(), {"a": 2.0, "b": 1.0})
    >>> [v["key"] for v in page.data["views"]]
    ['forward', 'reverse', 'backward', 'paths', 'elimination']
    >>> len(page.html) < 100_000, "https://" in page.html
    (True, False)
    >>> page.save("colah.html")  # doctest: +SKIP
    """
    graph = _as_graph(g, inputs)
    data = page_data(
        graph, inputs, views=views, seeds=seeds, outputs=outputs, orders=orders, iterations=iterations,
        title=title,
    )  # fmt: skip
    return Page(render_page(data), data)


def _as_graph(g: Any, inputs: Any) -> Graph:
    if isinstance(g, Graph):
        return g
    if callable(g):
        from graphdiff.graph.tracer import trace

        if isinstance(inputs, Mapping):
            raise ArgumentError("show: to trace a function, give inputs as a sequence of its arguments")
        return trace(g, *inputs)
    raise ArgumentError(f"show: g must be a graphdiff Graph or a function, got {type(g).__name__}")


def _names(given: Sequence[str] | None, allowed: list[str], argument: str, limit: int) -> list[str]:
    if given is None:
        return allowed[:limit]
    if isinstance(given, str) or not isinstance(given, Sequence):
        raise ArgumentError(f"show: {argument} is a list of names, got {given!r}")
    from graphdiff.errors import SeedError

    for name in given:
        if name not in allowed:
            what = "an input" if argument == "seeds" else "an output"
            raise SeedError(f"show: {argument}: {name!r} is not {what} of the graph {allowed}")
    return list(dict.fromkeys(given))


def _check_views(views: Sequence[str], orders: Sequence[str], iterations: Any) -> None:
    if isinstance(views, str) or not isinstance(views, Sequence) or not views:
        raise ArgumentError(f"show: views is a non-empty list of {', '.join(VIEWS)}; got {views!r}")
    unknown = [v for v in views if v not in VIEWS]
    if unknown:
        raise ArgumentError(f"show: views: unknown view {unknown[0]!r}; choose from {', '.join(VIEWS)}")
    if isinstance(orders, str) or not isinstance(orders, Sequence) or not orders:
        raise ArgumentError(f"show: orders is a non-empty list of {', '.join(ORDERS)}; got {orders!r}")
    wrong = [o for o in orders if o not in ORDERS]
    if wrong:
        raise ArgumentError(f"show: orders: unknown order {wrong[0]!r}; choose from {', '.join(ORDERS)}")
    if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations < 1:
        raise ArgumentError(f"show: iterations is a positive integer, got {iterations!r}")


def page_data(
    graph: Graph,
    inputs: Mapping[str, Any] | Sequence[Any],
    *,
    views: Sequence[str] = VIEWS,
    seeds: Sequence[str] | None = None,
    outputs: Sequence[str] | None = None,
    orders: Sequence[str] = SHOWN_ORDERS,
    iterations: int = 200,
    title: str | None = None,
) -> dict[str, Any]:
    """Everything the page plays, as JSON-ready data: the diagrams, and per view its choices and steps.

    Node references are ``"diagram/name"``, edge references ``"diagram#k"`` (the k-th
    edge of the diagram). :func:`show` writes this into the page.

    >>> import graphdiff as gd
    >>> data = page_data(gd.builders.colah(), [2.0, 1.0], views=["reverse"])
    >>> [s["v"] for s in data["views"][0]["choices"][0]["sweep"]["steps"]][-1]
    {'original/b': 'de/db = 5'}
    """
    _check_views(views, orders, iterations)
    point = graph.bind_inputs(inputs)
    program = graph.program
    scalar = all(s == () for s in program.shapes)
    large = len(graph) > MAX_DIAGRAM_NODES
    limit = 3 if large else MAX_CHOICES
    seeds = _names(seeds, list(graph.inputs), "seeds", limit)
    outs = _names(outputs, list(graph.outputs), "outputs", limit)
    values = dict(zip(program.names, evaluate(program, point)))
    notes = []
    if not scalar and any(v in views for v in ("paths", "elimination")):
        notes.append("The path sum and vertex elimination need a graph of scalars: this one has arrays.")
        views = [v for v in views if v not in ("paths", "elimination")]
    if large:
        notes.append(f"Only the first {limit} seeds, outputs and paths are offered on a graph this size.")

    chosen: dict[str, list[tuple[str, Sweep]]] = {}
    backward_graph = linearized = None
    for view in views:
        if view == "forward":
            chosen[view] = [(s, forward_steps(graph, point, s)) for s in seeds]
        elif view == "reverse":
            chosen[view] = [(o, reverse_steps(graph, point, o)) for o in outs]
        elif view == "backward":
            sweep, backward_graph = backward_steps(graph, point)
            chosen[view] = [("every output", sweep)]
        elif view == "paths":
            pairs = [(x, o) for x in graph.inputs[:64] for o in graph.outputs[:8]]
            counts = {p: count_paths(graph, *p)[0] for p in pairs}
            # the pairs whose paths can be listed first, most paths first; then those with too many; none last
            counted = sorted(
                pairs, key=lambda p: (counts[p] == 0, counts[p] > MAX_PATHS, -min(counts[p], 10**6))
            )
            chosen[view] = [(f"{x} → {o}", path_steps(graph, point, x, o)) for x, o in counted[:limit]]
        elif view == "elimination":
            linearized = linearize_graph(graph, point)
            chosen[view] = [
                (o, elimination_steps(graph, point, o, iterations=iterations, linearized=linearized))
                for o in orders
            ]

    diagrams = {"original": _original(graph, point, values, chosen)}
    if backward_graph is not None:
        diagrams["backward"] = _backward(backward_graph, chosen["backward"][0][1])
    if linearized is not None:
        diagrams["linearized"] = _linearized(graph, linearized, values, chosen["elimination"])
    shapes = {k: d for k, d in diagrams.items()}
    edge_keys = {k: _edge_keys(d) for k, d in shapes.items()}

    chosen = {
        view: sweeps for view, sweeps in chosen.items() if sweeps
    }  # no input, no output: nothing to step
    if not chosen:
        raise ArgumentError(
            f"show: {graph.name} gives none of the views {', '.join(views)} anything to step through"
        )
    page_views = []
    for view, sweeps in chosen.items():
        main = {"backward": "backward", "elimination": "linearized"}.get(view, "original")
        pictures = ["original", main] if view == "backward" else [main]
        choices = []
        for label, sweep in sweeps:
            choices.append({"label": label, "sweep": _sweep_json(view, sweep, main, pictures, edge_keys)})
        page_views.append(
            {
                "key": view,
                "title": _TITLES[view],
                "choice_label": {
                    "forward": "seed at input",
                    "reverse": "seed at output",
                    "paths": "paths",
                    "elimination": "order",
                }.get(view, ""),  # fmt: skip
                "choices": choices,
            }
        )
    point_text = ", ".join(f"{n} = {fmt(v)}" for n, v in zip(graph.inputs[:8], point))
    return {
        "graph": graph.name,
        "title": title or graph.name,
        "point": f"at {point_text}{', ...' if len(graph.inputs) > 8 else ''}",
        "notes": notes,
        "too_large": (
            f"More than {MAX_DIAGRAM_NODES} nodes to draw readably, so the steps are listed beside this instead."
        ),
        "captions": {
            "original": f"{graph.name}: values and edge partials",
            "backward": f"the backward program vjp({graph.name}): adjoints as nodes",
            "linearized": f"the linearized graph of {graph.name}",
        },
        "diagrams": {k: _diagram_json(d) for k, d in shapes.items()},
        "views": page_views,
    }


# --- the diagrams ---------------------------------------------------------------------------


class _Shape:
    """A diagram and what its boxes say: ``text`` the fixed first line, ``tone`` a node's colour."""

    def __init__(self, drawn: Diagram | None, text: dict[str, str], tone: dict[str, str],
                 labels: dict[tuple[str, str], str], fills: set[tuple[str, str]]) -> None:  # fmt: skip
        self.drawn, self.text, self.tone, self.labels, self.fills = drawn, text, tone, labels, fills


def _marks(sweeps: Mapping[str, list[tuple[str, Sweep]]], names: set[str]) -> dict[str, int]:
    """The longest mark each node shows in any sweep, in characters."""
    longest: dict[str, int] = {}
    for chosen in sweeps.values():
        for _, sweep in chosen:
            for step in sweep.steps:
                for n, v in step.values.items():
                    if n in names:
                        longest[n] = max(longest.get(n, 0), len(_mark(sweep, n, v)))
    return longest


def _mark(sweep: Sweep, node: str, value: Any) -> str:
    return f"{sweep.mark.get(node, node)} = {fmt(value)}" if sweep.view != "backward" else f"= {fmt(value)}"


def _original(graph: Graph, point: list, values: dict, chosen: dict) -> _Shape:
    G = graph.nx
    kinds = dict(G.nodes(data="kind"))
    text = {n: fmt(G.nodes[n]["value"]) if kinds[n] == "const" else f"{n} = {fmt(values[n])}" for n in G}
    labels = dict(annotate(graph, point).edge_labels)
    if len(graph) > MAX_DIAGRAM_NODES:
        return _Shape(None, text, {}, labels, set())
    longest = _marks({k: v for k, v in chosen.items() if k in ("forward", "reverse")}, set(G))
    widths = {n: max(len(text[n]), longest.get(n, 0)) for n in G}
    for e, s in labels.items():  # an edge label wider than its boxes would hide them
        widths[e[1]] = max(widths[e[1]], min(len(s), 14))
    edges = [(u, v) for u, v, _ in G.edges(keys=True)]
    routed = routed_layout(graph)
    return _Shape(
        diagram(routed.positions, kinds, edges, widths, waypoints=routed.waypoints), text, {}, labels, set()
    )


def _backward(vg: Graph, sweep: Sweep) -> _Shape:
    from graphdiff.views.page.steps import _infix

    G = vg.nx
    kinds = dict(G.nodes(data="kind"))
    adjoint = set(sweep.final["adjoint_part"])
    text = {}
    for n in G:
        if kinds[n] == "const":
            text[n] = fmt(G.nodes[n]["value"])
        elif kinds[n] == "op":
            formula = f"{n} = {_infix(G.nodes[n]['op'], vg.args(n), G.nodes[n].get('params', {}))}"
            text[n] = formula if len(formula) <= 18 else n
        else:
            text[n] = n
    tone = {n: "adjoint" if n in adjoint else "primal" for n in G}
    if len(vg) > MAX_DIAGRAM_NODES:
        return _Shape(None, text, tone, {}, set())
    longest = _marks({"backward": [("", sweep)]}, set(G))
    for n, v in sweep.final["inputs"].items():
        longest[n] = max(longest.get(n, 0), len(_mark(sweep, n, v)))
    widths = {n: max(len(text[n]), longest.get(n, 0), 4) for n in G}
    edges = [(u, v) for u, v, _ in G.edges(keys=True)]
    routed = routed_layout(vg)
    return _Shape(
        diagram(routed.positions, kinds, edges, widths, waypoints=routed.waypoints), text, tone, {}, set()
    )


def _linearized(graph: Graph, G: Any, values: dict, sweeps: list[tuple[str, Sweep]]) -> _Shape:
    kinds = {n: "input" if n in G.graph["inputs"] else "op" for n in G}
    text = {n: f"{n} = {fmt(G.nodes[n]['value'])}" for n in G}
    labels = {(u, v): fmt(p) for u, v, p in G.edges(data="partial")}
    fills = {e for _, sweep in sweeps for s in sweep.steps for e in s.partials if not G.has_edge(*e)}
    if len(G) > MAX_DIAGRAM_NODES:
        return _Shape(None, text, {}, labels, fills)
    routed = routed_layout(graph)
    base = routed.positions
    positions, taken = {}, {p for points in routed.waypoints.values() for p in points}
    for n in sorted(G, key=lambda v: G.nodes[v]["index"]):
        if n in base:
            x, y = base[n]
        else:  # an output's copy (<name>:out), above the output
            (source,) = G.predecessors(n)
            x, y = positions[source][0], positions[source][1] + 1
        while any(abs(x - tx) < 0.75 and ty == y for tx, ty in taken):  # clear of boxes and waypoints
            x += 1
        positions[n] = (x, y)
        taken.add((x, y))
    widths = {n: len(text[n]) for n in G}
    edges = [*G.edges, *sorted(fills)]
    waypoints = {e: p for e, p in routed.waypoints.items() if G.has_edge(*e)}
    return _Shape(diagram(positions, kinds, edges, widths, waypoints=waypoints), text, {}, labels, fills)


def _edge_keys(shape: _Shape) -> dict[tuple[str, str], int]:
    if shape.drawn is None:
        return {}
    return {(w.u, w.v): k for k, w in enumerate(shape.drawn.wires)}


def _diagram_json(shape: _Shape) -> dict[str, Any] | None:
    if shape.drawn is None:
        return None
    data = shape.drawn.as_dict()
    for node in data["nodes"]:
        node["text"] = shape.text[node["id"]]
        if node["id"] in shape.tone:
            node["tone"] = shape.tone[node["id"]]
    for edge in data["edges"]:
        key = (edge["u"], edge["v"])
        if key in shape.labels:
            edge["label"] = shape.labels[key]
        if key in shape.fills:
            edge["fill"] = True
    return data


def _count_text(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{v} {k[:-1] if v == 1 else k}" for k, v in counts.items())


def _sweep_json(
    view: str, sweep: Sweep, main: str, pictures: list[str], edge_keys: Mapping[str, Mapping]
) -> dict[str, Any]:
    keys = edge_keys.get(main, {})
    node = lambda n: f"{main}/{n}"
    edge = lambda e: f"{main}#{keys[e]}" if e in keys else None
    steps = []
    for s in sweep.steps:
        step: dict[str, Any] = {"f": s.formula, "t": s.text, "r": s.result}
        if s.nodes:
            step["n"] = [node(n) for n in s.nodes]
        lit = [k for k in map(edge, s.edges) if k]
        if lit:
            step["e"] = lit
        if s.reads:
            step["rd"] = [f"original/{n}" for n in s.reads]
        if s.values:
            step["v"] = {node(n): _mark(sweep, n, v) for n, v in s.values.items()}
        if s.partials:
            step["p"] = {k: fmt(p) for e, p in s.partials.items() if (k := edge(e))}
        if s.removed:
            step["x"] = [node(n) for n in s.removed]
        gone = [k for k in map(edge, s.removed_edges) if k]
        if gone:
            step["xe"] = gone
        if s.counts:
            step["c"] = _count_text(s.counts)
        steps.append(step)
    initial: dict[str, Any] = {}
    if view == "backward":  # the primal inputs are given; the cotangent seeds are the first steps
        initial["marks"] = {node(n): _mark(sweep, n, v) for n, v in sweep.final["inputs"].items()}
    if view == "paths":
        letters = sweep.final.get("letters", {})
        labels = {}
        for uv, letter in letters.items():
            u, v = uv.split(">", 1)
            k = edge((u, v))
            if k:
                labels[k] = letter
        initial["labels"] = labels
    return {
        "banner": sweep.banner,
        "shows": sweep.shows,
        "before": _BEFORE[view],
        "start": "Press → (or Next) for the first step.",
        "colour": _COLOURS[view],
        "marks": view in ("forward", "reverse", "backward"),
        "diagrams": pictures,
        "faded": [node(n) for n in sorted(sweep.faded)],
        "initial": initial,
        "steps": steps,
        "total": sweep.total,
        "note": sweep.note,
        "final": sweep.final,
    }


# --- the page ----------------------------------------------------------------------------------


def _json_for_script(data: Any) -> str:
    """JSON that cannot end its ``<script>`` element early: ``<``, ``>`` and ``&`` as escapes."""
    text = json.dumps(
        _finite(data), ensure_ascii=False, separators=(",", ":"), default=_jsonable, allow_nan=False
    )
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _finite(value: Any) -> Any:
    """``value`` with every nan and infinity written as a string: JSON has no such numbers,
    and ``JSON.parse`` refuses the ``NaN`` Python writes (the page would be blank)."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    elif isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _jsonable(value: Any) -> Any:
    import numpy as np

    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise GraphError(f"show: cannot write {type(value).__name__} into the page")


_LEGEND = """<div class="legend" aria-label="legend">
<span><span class="sw" style="background:var(--input)"></span>input</span>
<span><span class="sw" style="background:var(--op)"></span>operation</span>
<span><span class="sw" style="background:var(--const);border-style:dashed"></span>constant</span>
<span style="color:var(--primal);font-weight:700">c = 3 primal value</span>
<span style="color:var(--tangent);font-weight:700">dc/db tangent (forward)</span>
<span style="color:var(--adjoint);font-weight:700">de/dc adjoint (reverse)</span>
<span style="color:var(--partial);font-weight:700">2 edge partial ∂e/∂c</span>
<span><span class="sw" style="border-color:var(--focus);border-width:4px"></span>this step</span>
<span><span class="sw" style="border-color:var(--faded);border-style:dashed"></span>faded: structural zero, never computed</span>
<span><span class="sw" style="border-color:var(--adjoint);border-width:4px;border-style:dashed"></span>read from the evaluation</span>
</div>"""


def render_page(data: dict[str, Any]) -> str:
    """The page's HTML: one file, its CSS, script and data inline."""
    title = html.escape(data["title"])
    notes = "".join(f'<p class="point">{html.escape(n)}</p>' for n in data["notes"])
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>graphdiff: {title}</title>
<style>{assets.CSS}</style>
</head>
<body>
<svg id="gd-defs" width="0" height="0" style="position:absolute" aria-hidden="true" focusable="false">
<defs>{_markers()}</defs>
</svg>
<div class="gd">
<h1>{title}</h1>
<div class="banner" id="gd-banner" role="status" aria-live="polite"></div>
<p class="point">values of the evaluation {html.escape(data["point"])}</p>{notes}
<div class="tabs" id="gd-tabs" role="tablist"></div>
<div class="controls">
<label><span id="gd-choice-label"></span> <select id="gd-choice"></select></label>
<button id="gd-prev" type="button">◀ Prev</button>
<span class="counter" id="gd-counter"></span>
<button id="gd-next" type="button">Next ▶</button>
<span class="keys">keys: ← → Home End</span>
</div>
<main>
<div class="pictures" id="gd-pictures"></div>
<div class="panel">
<div class="now"><div class="formula" id="gd-formula"></div><div class="text" id="gd-text"></div>
<div class="result" id="gd-result"></div><div class="counts" id="gd-counts"></div></div>
<ol class="history" id="gd-history"></ol>
</div>
</main>
<p class="note" id="gd-note"></p>
{_LEGEND}
</div>
<script type="application/json" id="gd-data">{_json_for_script(data)}</script>
<script>{assets.SCRIPT}</script>
</body>
</html>
"""


def _markers() -> str:
    from graphdiff.views import style

    colours = {"": "#777", "-tangent": style.TANGENT, "-adjoint": style.ADJOINT, "-partial": style.FOCUS,
               "-primal": style.FOCUS}  # fmt: skip
    return "".join(
        f'<marker id="gd-arrow{suffix}" viewBox="0 0 12 10" refX="12" refY="5" markerWidth="{w}" '
        f'markerHeight="{w * 10 / 12:.1f}" markerUnits="userSpaceOnUse" orient="auto">'
        f'<path d="M0,0 L12,5 L0,10 z" fill="{colour}"/></marker>'
        for suffix, colour in colours.items()
        for w in [14 if suffix == "" else 18]
    )
