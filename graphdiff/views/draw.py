"""Pictures of a graph and its sweeps: Graphviz DOT text, or PNG/SVG through matplotlib.

Nodes are laid out in layers by topological generation, outputs at the top; an input or
constant sits just below the first operation that reads it, so the inputs of the seed's
figures are all at the bottom while a chain reading one new input per step stays two nodes
wide. Optionally each node shows its value, the tangent of one forward sweep
(d node / d seed) or the adjoint of a reverse sweep (d output / d node), and each edge its
local partial; nodes whose tangent or adjoint is a structural zero are drawn faded.

PNG and SVG pictures are for graphs a reader can take in: past ``MAX_DRAW_NODES`` nodes
they are refused with :class:`~graphdiff.errors.TooLargeToDrawError` (DOT text, laid out
by Graphviz, has no limit), and a PNG never holds more than ``MAX_PIXELS`` pixels.
"""

from __future__ import annotations

import collections
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np

from graphdiff.errors import ArgumentError, TooLargeToDrawError
from graphdiff.graph.graph import Graph
from graphdiff.views.style import ADJOINT, FILL, PARTIAL, TANGENT

__all__ = [
    "draw", "to_dot", "annotate", "structure_svg", "summary", "Picture", "Layout", "layout",
    "routed_layout", "route", "curve", "along", "label_spots", "MAX_DRAW_NODES", "MAX_PIXELS",
]  # fmt: skip

MAX_DRAW_NODES = 200
"""The most nodes a PNG or SVG picture shows by default (``max_nodes`` changes it)."""
MAX_PIXELS = 25_000_000
"""The most pixels of a PNG (100 MB as RGBA): a larger layout is rasterized at a lower resolution."""
DPI = 130
_CELL = (2.3, 1.5)  # inches per node across a layer, and per layer
_MARGINS = (0.15, 0.55, 0.45)  # inches: left and right, top (the title), bottom (the legend)


@dataclass
class Picture:
    """What to draw: one label per node, faded nodes, edge labels, a title and a legend."""

    graph: Graph
    labels: dict[str, str]
    faded: set[str] = field(default_factory=set)
    edge_labels: dict[tuple[str, str], str] = field(default_factory=dict)
    title: str = ""
    legend: str = ""
    accent: str | None = None  # the box outline of a sweep's picture: TANGENT or ADJOINT
    structure: Any = None  # what to lay out instead of the graph's own nodes: a summary's boxes

    @property
    def nx(self) -> Any:
        """The networkx graph drawn: the graph's, or a summary's (nodes with a ``kind``)."""
        return self.graph.nx if self.structure is None else self.structure


SMALL_ARRAY = 6
"""An array of at most this many elements is written out in full; a larger one by its shape and first entries."""


def _fmt(value: Any) -> str:
    """A value as a picture writes it: 4 significant digits, arrays to 3.

    >>> _fmt(2.0), _fmt(np.array([0.1, 0.25, 1 / 3])), _fmt(np.eye(2))
    ('2', '[0.1, 0.25, 0.333]', '[[1, 0], [0, 1]]')
    >>> _fmt(np.arange(64.0).reshape(4, 16))
    '(4×16) [0, 1, 2, …]'
    """
    if np.ndim(value) == 0:
        return f"{float(value):.4g}"
    array = np.asarray(value, dtype=float)

    def nested(a: np.ndarray) -> str:
        if a.ndim == 0:
            return f"{float(a):.3g}"
        return "[" + ", ".join(nested(row) for row in a) + "]"

    if array.size <= SMALL_ARRAY:
        return nested(array)
    head = ", ".join(f"{x:.3g}" for x in array.ravel()[:3])
    return "(" + "×".join(map(str, array.shape)) + f") [{head}, …]"


def annotate(
    graph: Graph,
    inputs: Mapping[str, Any] | Sequence[Any] | None = None,
    forward: str | None = None,
    reverse: bool = False,
    output: str | None = None,
    partials: bool = True,
) -> Picture:
    """Decide every label of a picture (see :func:`draw` for the arguments)."""
    from graphdiff.modes.forward import forward as forward_sweep
    from graphdiff.modes.reverse import reverse as reverse_sweep
    from graphdiff.views.report import edge_partials

    if forward is not None and reverse:
        raise ArgumentError("draw one sweep at a time: forward=INPUT or reverse=True, not both")
    if (forward is not None or reverse) and inputs is None:
        raise ArgumentError("a sweep needs input values: pass inputs")
    G = graph.nx
    labels = {n: n if d["kind"] != "const" else _fmt(d["value"]) for n, d in G.nodes(data=True)}
    picture = Picture(graph, labels, title=graph.name)
    if inputs is None:
        picture.legend = "nodes: operations above their arguments"
        for n, d in G.nodes(data=True):
            if d["kind"] == "op":
                labels[n] = f"{n}\n{d['op']}"
        return picture

    if forward is not None:
        fw = forward_sweep(graph, inputs, seed=forward)
        values, numbers, zeros = fw.values, fw.tangents, fw.zeros
        picture.title = f"Forward sweep seeded at {forward}"
        picture.accent = TANGENT
        picture.legend = f"node: name, value and d(node)/d{forward}; faded: does not depend on {forward}"
        mark = lambda n: f"d{n}/d{forward} = {_fmt(numbers[n])}"
    elif reverse:
        rv = reverse_sweep(graph, inputs, output=output)
        values, numbers, zeros = rv.values, rv.adjoints, rv.zeros
        picture.title = f"Reverse sweep seeded at {rv.output}"
        picture.accent = ADJOINT
        picture.legend = (
            f"node: name, value and d{rv.output}/d(node); faded: {rv.output} does not depend on it"
        )
        mark = lambda n: f"d{rv.output}/d{n} = {_fmt(numbers[n])}"
    else:
        values = dict(
            zip(graph.program.names, _evaluate_all(graph, inputs))
        )  # no sweep: arrays need no cotangent
        numbers, zeros, mark = {}, frozenset(), None
        picture.title = f"{graph.name}: values"
        picture.legend = "node: name and value"
    for n, d in G.nodes(data=True):
        if d["kind"] == "const":
            continue
        text = f"{n} = {_fmt(values[n])}"
        if mark and n in numbers:
            text += "\n" + mark(n)
        labels[n] = text
    picture.faded = set(zeros) | {n for n, d in G.nodes(data=True) if d["kind"] == "const" and mark}
    if partials and all(s == () for s in graph.program.shapes):
        for e in edge_partials(graph, inputs):
            key = (e["from"], e["to"])
            text = _fmt(e["partial"])
            picture.edge_labels[key] = (
                f"{picture.edge_labels[key]}, {text}" if key in picture.edge_labels else text
            )
        picture.legend += "; edges: local partials d(head)/d(tail)"
    return picture


def _evaluate_all(graph: Graph, inputs: Any) -> list:
    from graphdiff.modes.evaluate import evaluate

    return evaluate(graph.program, graph.bind_inputs(inputs))


@dataclass(frozen=True)
class Layout:
    """Where each node sits and where each edge passes, in layout units.

    A layer per unit of y (outputs highest), nodes at least one unit apart across a layer.
    ``waypoints[u, v]`` lists the points an edge passes in the layers strictly between its
    ends (empty for an edge between adjacent layers): each is a slot of its own in that
    layer, half a unit wide, that no box takes, so a curve through them clears every box.
    """

    positions: dict[str, tuple[float, float]]
    waypoints: dict[tuple[str, str], list[tuple[float, float]]]


_VIRTUAL = 0.5  # the width of a waypoint's slot, against 1 for a node


def routed_layout(graph: Graph | nx.MultiDiGraph | nx.DiGraph) -> Layout:
    """Positions of the nodes and waypoints of the edges, as in Sugiyama's layered drawings.

    A layer (y) per topological generation; an input or constant goes in the layer just
    below the first operation that reads it. An edge spanning several layers gets a
    waypoint in each layer it crosses, and the waypoints are ordered with the nodes, so a
    long edge passes between boxes instead of through them. Each layer is ordered three
    times, by the barycentre of the neighbours already placed: upwards by arguments,
    downwards by users (so an input or a constant sits under what reads it, beside the
    other arguments), upwards again by arguments; this uncrosses most edges of small
    graphs. Time linear in the graph and its waypoints, but for sorting each layer.

    Examples
    --------
    >>> from graphdiff import builders
    >>> r = routed_layout(builders.colah())
    >>> r.positions["e"], r.waypoints["c", "e"]
    ((0.0, 2.0), [])
    """
    G = graph.nx if isinstance(graph, Graph) else graph
    layer: dict[Any, int] = dict(_layers(G))
    H = nx.DiGraph()  # the graph with a virtual node per layer an edge crosses
    H.add_nodes_from(G)
    chains: dict[tuple[str, str], list[Any]] = {}
    for u, v in dict.fromkeys(G.edges()):
        if u == v:
            continue
        chain = [(u, v, k) for k in range(layer[u] + 1, layer[v])]
        for k, w in enumerate(chain):
            layer[w] = layer[u] + 1 + k
        nx.add_path(H, [u, *chain, v])
        chains[u, v] = chain
    rows: dict[int, list[Any]] = {}
    for n in H:
        rows.setdefault(layer[n], []).append(n)
    positions: dict[Any, tuple[float, float]] = {}
    const = {n for n, kind in G.nodes(data="kind") if kind == "const"}

    def barycentre(n: Any, neighbours: Any, default: float) -> tuple[float, bool]:
        xs = [positions[u][0] for u in neighbours(n) if u in positions]
        return (sum(xs) / len(xs) if xs else default, n in const)

    def place(y: int, key: Any) -> None:
        ordered = sorted(rows[y], key=key)
        widths = [_VIRTUAL if isinstance(n, tuple) else 1.0 for n in ordered]
        x, xs = 0.0, []
        for k, w in enumerate(widths):
            x += (widths[k - 1] + w) / 2 if k else 0.0
            xs.append(x)
        for n, x in zip(ordered, xs):
            positions[n] = (x - xs[-1] / 2, float(y))

    for y in sorted(rows):  # upwards, by arguments: what has none first
        place(y, lambda n: barycentre(n, H.predecessors, -1.0))
    for y in sorted(rows, reverse=True):  # downwards, by users
        place(y, lambda n: barycentre(n, H.successors, positions[n][0]))
    for y in sorted(rows):  # upwards again, by arguments
        place(y, lambda n: barycentre(n, H.predecessors, positions[n][0]))
    return Layout(
        {n: positions[n] for n in G},
        {e: [positions[w] for w in chain] for e, chain in chains.items()},
    )


def _layers(G: Any) -> dict[str, int]:
    """A layer per topological generation; an input or constant just below the first operation reading it."""
    layer = {n: y for y, generation in enumerate(nx.topological_generations(G)) for n in generation}
    for n in G:
        if G.in_degree(n) == 0 and G.out_degree(n):
            layer[n] = min(layer[v] for v in G.successors(n)) - 1
    return layer


SUMMARY_BANDS = 12
"""The most bands of layers a summary draws: at most three boxes each (inputs, constants, operations)."""
_PLURAL = {"input": "inputs", "const": "constants", "op": "ops"}


def summary(picture: Picture, bands: int = SUMMARY_BANDS) -> Picture:
    """The picture of a large graph as counted boxes: one per kind of node in each band of layers.

    The layers of :func:`routed_layout` are cut into at most ``bands`` bands of
    consecutive layers; each band's inputs, constants and operations become a box that
    counts them (``12 ops: mul×8, add×4``), and the edges from one box to a box of the
    same or the next band one edge labelled with how many it stands for. A box counts in
    its text the edges between its own nodes, those reaching it from farther down (drawn,
    they would run past every band between) and, in a sweep's picture, the structural
    zeros among its nodes (all of them: the box is faded). So a graph of any size is
    drawn in at most ``3 * bands`` boxes and about as many edges.

    Examples
    --------
    >>> from graphdiff import builders
    >>> s = summary(annotate(builders.random_dag(500)))
    >>> len(s.labels) <= 3 * SUMMARY_BANDS, s.title
    (True, 'random_dag(500,3,2,0), summarised: 503 nodes in 13 boxes')
    >>> s.labels["ops 0"]
    '26 ops: tanh×7, sub×5, sigmoid×4, …\\nlayers 1–5, 28 edges inside'
    >>> s.labels["ops 5"]
    '38 ops: mul×11, add×10, sub×5, …\\nlayers 30–35, 33 edges inside, 14 from farther down'
    """
    G = picture.graph.nx
    layer = _layers(G)
    levels = sorted(set(layer.values()))
    rank = {y: k for k, y in enumerate(levels)}
    count = max(min(bands, len(levels)), 1)
    band = {n: rank[layer[n]] * count // len(levels) for n in G}
    group = {n: f"{_PLURAL[kind]} {band[n]}" for n, kind in G.nodes(data="kind")}
    members: dict[str, list[str]] = {}
    for n in G:  # in the graph's order: inputs first, operations as recorded
        members.setdefault(group[n], []).append(n)
    S = nx.DiGraph()
    inside: collections.Counter = collections.Counter()
    far: collections.Counter = collections.Counter()
    edges: collections.Counter = collections.Counter()
    for u, v in G.edges():
        if group[u] == group[v]:
            inside[group[u]] += 1
        elif band[v] - band[u] > 1:
            far[group[v]] += 1
        else:
            edges[group[u], group[v]] += 1
    labels, faded = {}, set()
    for g, nodes in members.items():
        kind = G.nodes[nodes[0]]["kind"]
        S.add_node(g, kind=kind)
        if kind == "op":
            ops = collections.Counter(G.nodes[n]["op"] for n in nodes).most_common()
            parts = [f"{op}×{k}" for op, k in ops[:3]] + (["…"] if len(ops) > 3 else [])
        else:
            shown = [n if kind == "input" else _fmt(G.nodes[n]["value"]) for n in nodes]
            parts = shown[:3] + (["…"] if len(shown) > 3 else [])
        word = _PLURAL[kind] if len(nodes) > 1 else _PLURAL[kind][:-1]
        text = f"{len(nodes)} {word}: " + ", ".join(parts)
        lo, hi = min(layer[n] for n in nodes), max(layer[n] for n in nodes)
        notes = [f"layer {lo}" if lo == hi else f"layers {lo}–{hi}"]
        if inside[g]:
            notes.append(f"{inside[g]} edge{'s' if inside[g] > 1 else ''} inside")
        if far[g]:
            notes.append(f"{far[g]} from farther down")
        zeros = sum(n in picture.faded for n in nodes)
        if zeros and kind != "const":
            notes.append(f"{zeros} structural zero{'s' if zeros > 1 else ''}")
        if zeros == len(nodes):
            faded.add(g)
        labels[g] = text + "\n" + ", ".join(notes)
    S.add_edges_from(edges)
    shown_title = picture.graph.name if picture.title == picture.graph.name else picture.title
    return Picture(
        picture.graph,
        labels,
        faded,
        {e: str(k) for e, k in edges.items()},
        title=f"{shown_title}, summarised: {len(G)} nodes in {len(labels)} boxes",
        legend=f"summarised: one box per kind of node in each of {count} bands of layers; an edge's number "
        "counts the edges it stands for (those from farther down are counted in the box); "
        "values are not shown (format='dot' writes every node)",
        accent=picture.accent,
        structure=S,
    )


def layout(graph: Graph | nx.MultiDiGraph) -> dict[str, tuple[float, float]]:
    """Positions of the nodes: :func:`routed_layout` without the waypoints.

    >>> from graphdiff import builders
    >>> layout(builders.colah())["e"]
    (0.0, 2.0)
    """
    return routed_layout(graph).positions


Point = tuple[float, float]
Segment = tuple[Point, Point, Point, Point]


def route(
    boxes: Mapping[str, tuple[float, float, float, float]],
    waypoints: Mapping[tuple[str, str], Sequence[Point]],
    inset: float = 0.0,
) -> dict[tuple[str, str], list[Point]]:
    """The points each edge passes: its start on the source box, its waypoints, its end on the target box.

    ``boxes`` gives each node's box as ``(x, y, width, height)`` (the centre, in the
    picture's own coordinates, y up or down; a layer is the boxes of one y); ``waypoints``
    the edges to route and their waypoints in those coordinates. An edge leaves its
    source through the side facing its target and enters the target through the side
    facing the source; the edges meeting at one side are spread along it, ordered by
    where they come from so they do not cross, ``inset`` clear of its corners. It runs
    straight up or down through each layer's band (as tall as the layer's tallest box),
    at a waypoint or at its own box, so between consecutive points it either stays in one
    band at one x or crosses a gap between bands, where no box is. Both :func:`render`
    and the step-through page route with this, from :func:`routed_layout`'s waypoints.

    >>> boxes = {"x": (0.0, 0.0, 6.0, 2.0), "y": (0.0, 10.0, 4.0, 2.0), "z": (6.0, 10.0, 4.0, 4.0)}
    >>> route(boxes, {("x", "y"): [], ("x", "z"): []})[("x", "y")]
    [(-1.0, 1.0), (0.0, 8.0), (0.0, 9.0)]
    """
    band: dict[float, float] = {}
    for _, y, _, h in boxes.values():
        band[round(y, 6)] = max(band.get(round(y, 6), 0.0), h / 2)
    ends: dict[tuple[str, int], list[tuple[float, tuple[str, str]]]] = {}
    for (u, v), points in waypoints.items():
        first = points[0] if points else boxes[v][:2]
        last = points[-1] if points else boxes[u][:2]
        ends.setdefault((u, 1 if first[1] > boxes[u][1] else -1), []).append((first[0], (u, v)))
        ends.setdefault((v, 1 if last[1] > boxes[v][1] else -1), []).append((last[0], (u, v)))
    port: dict[tuple[str, tuple[str, str]], Point] = {}
    for (n, side), edges in ends.items():
        x, y, w, h = boxes[n]
        usable = max(w - 2 * inset, 0.0)
        edges.sort()
        for k, (_, e) in enumerate(edges):
            port[n, e] = (x - usable / 2 + usable * (k + 1) / (len(edges) + 1), y + side * h / 2)
    routes = {}
    for (u, v), points in waypoints.items():
        start, end = port[u, (u, v)], port[v, (u, v)]
        up = 1 if end[1] > start[1] else -1
        line = [start, (start[0], boxes[u][1] + up * band[round(boxes[u][1], 6)])]
        for x, y in points:
            half = band.get(round(y, 6), 0.0)
            line += [(x, y - up * half), (x, y + up * half)]
        line += [(end[0], boxes[v][1] - up * band[round(boxes[v][1], 6)]), end]
        routes[u, v] = [p for k, p in enumerate(line) if k == 0 or p != line[k - 1]]
    return routes


def curve(points: Sequence[Point]) -> list[Segment]:
    """Cubic Bézier segments through ``points``, vertical at each: an edge leaves and enters a layer straight.

    Its sideways travel happens between layers, where no box is, so a curve from
    :func:`route` crosses no box that it does not end on.

    >>> curve([(0.0, 0.0), (2.0, 4.0)])
    [((0.0, 0.0), (0.0, 2.0), (2.0, 2.0), (2.0, 4.0))]
    """
    segments = []
    for p, q in zip(points, points[1:]):
        middle = (p[1] + q[1]) / 2
        segments.append((p, (p[0], middle), (q[0], middle), q))
    return segments


def along(segments: Sequence[Segment], t: float) -> Point:
    """The point a fraction ``t`` along a curve (by segment: each segment an equal share).

    >>> along(curve([(0.0, 0.0), (0.0, 1.0), (0.0, 3.0)]), 0.75)
    (0.0, 2.0)
    """
    k = min(int(t * len(segments)), len(segments) - 1)
    s = t * len(segments) - k
    p0, p1, p2, p3 = segments[k]
    a, b, c, d = (1 - s) ** 3, 3 * (1 - s) ** 2 * s, 3 * (1 - s) * s * s, s**3
    return (
        a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0],
        a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1],
    )


def label_spots(segments: Sequence[Segment]) -> list[float]:
    """Where along a curve to try its label, best first: the middles of the segments crossing a gap between layers.

    Those are the tallest segments (a curve from :func:`route` runs otherwise through a
    layer's band, beside its boxes), and the one nearest the curve's middle comes first.

    >>> [round(t, 3) for t in label_spots(curve([(0.0, 0.0), (0.0, 1.0), (0.0, 5.0), (0.0, 6.0)]))]
    [0.5, 0.467, 0.533, 0.433, 0.567, 0.4, 0.6]
    """
    n = len(segments)
    tall = max(abs(s[3][1] - s[0][1]) for s in segments)
    gaps = [k for k, s in enumerate(segments) if abs(s[3][1] - s[0][1]) >= 0.6 * tall]
    gaps.sort(key=lambda k: abs(k - (n - 1) / 2))
    return [(k + f) / n for f in (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8) for k in gaps]


def to_dot(picture: Picture) -> str:
    """The picture as Graphviz DOT text (needs nothing installed to write)."""

    def q(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'

    lines = [
        f"digraph {q(picture.graph.name)} {{",
        "  rankdir=BT;",
        f"  label={q(picture.title + chr(10) + picture.legend)}; labelloc=t; fontname=Helvetica;",
        "  node [shape=box, style=rounded, fontname=Helvetica];",
        "  edge [fontname=Helvetica, fontsize=10];",
    ]
    G = picture.nx
    for n, d in G.nodes(data=True):
        attrs = [f"label={q(picture.labels[n])}"]
        if d["kind"] == "const":
            attrs.append("shape=plaintext")
        if n in picture.faded:
            attrs.append('color=gray70, fontcolor=gray60, style="rounded,dashed"')
        lines.append(f"  {q(n)} [{', '.join(attrs)}];")
    first_key: dict[tuple[str, str], Any] = {}  # parallel edges (x * x) carry their label once
    for u, v, key in G.edges(keys=True):
        first_key[u, v] = min(first_key.get((u, v), key), key)
    for u, v, key in G.edges(keys=True):
        label = picture.edge_labels.get((u, v)) if key == first_key[u, v] else None
        attrs = [f"label={q(label)}"] if label else []
        if u in picture.faded:
            attrs.append("color=gray70")
        lines.append(f"  {q(u)} -> {q(v)}" + (f" [{', '.join(attrs)}]" if attrs else "") + ";")
    lines.append("}")
    return "\n".join(lines)


def _refuse_if_too_large(graph: Graph, max_nodes: int, format: str) -> None:
    if len(graph) > max_nodes:
        raise TooLargeToDrawError(
            f"{graph.name} has {len(graph)} nodes, more than max_nodes={max_nodes} that a {format} picture "
            "shows readably: draw it summarised, in counted boxes by layer (summarise=True; graphdiff draw ... "
            "--summarise), write Graphviz text of every node (format='dot'; graphdiff draw ... --format dot), "
            "draw a smaller graph, or pass a larger max_nodes"
        )


def render(
    picture: Picture,
    path: str | os.PathLike | Any | None = None,
    format: str | None = None,
    max_nodes: int = MAX_DRAW_NODES,
) -> Any:
    """Draw the picture with matplotlib; save it to ``path`` (PNG or SVG) if given; return the figure.

    Nodes sit where :func:`routed_layout` puts them. Each box is measured as drawn, and
    each edge is a curve from :func:`route` and :func:`curve` that starts on its source
    box's border, passes its waypoints and ends, arrowhead and all, on its target box's
    border; its label goes where it covers no box and no earlier label. Boxes, edges and
    labels carry the ids ``node NAME``, ``edge U -> V`` and ``label U -> V`` (``gid``, kept
    in SVG). The figure is a ``matplotlib.figure.Figure`` of its own, outside pyplot: the
    backend and pyplot's figures are left alone. A picture of more than ``max_nodes``
    nodes is refused with :class:`~graphdiff.errors.TooLargeToDrawError` (a summary from
    :func:`summarise` is drawn at any size); a PNG is rasterized at :data:`DPI`, or lower
    so that it holds at most :data:`MAX_PIXELS` pixels.
    """
    from matplotlib.patches import FancyArrowPatch
    from matplotlib.path import Path

    from graphdiff.views.plot import new_figure

    if picture.structure is None:
        _refuse_if_too_large(picture.graph, max_nodes, format or "png")
    G = picture.nx
    routed = routed_layout(G)
    pos = routed.positions
    points = [*pos.values(), *(p for ps in routed.waypoints.values() for p in ps)] or [(0.0, 0.0)]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    longest = max((len(line) for text in picture.labels.values() for line in text.split("\n")), default=1)
    cell = max(_CELL[0], 0.075 * longest + 0.6)  # a box of the longest label fits its slot
    depth = max(ys) + 1
    size = (max(5.0, cell * (max(xs) - min(xs) + 1)), max(3.5, _CELL[1] * depth + 1.2))
    dpi = min(DPI, (MAX_PIXELS / (size[0] * size[1])) ** 0.5)
    fig = new_figure(size, dpi=dpi, format=format)
    side, top, bottom = _MARGINS
    ax = fig.add_axes(
        (side / size[0], bottom / size[1], 1 - 2 * side / size[0], 1 - (top + bottom) / size[1])
    )
    ax.set_xlim(min(xs) - 0.8, max(xs) + 0.8)
    ax.set_ylim(-0.6, depth - 0.4)
    ax.axis("off")
    ax.set_title(picture.title, fontsize=12)
    fig.text(
        0.5, 0.1 / size[1], picture.legend, ha="center", va="bottom", fontsize=8.5, color="0.3", wrap=True
    )
    notes = {}
    for n, d in G.nodes(data=True):
        faded = n in picture.faded
        is_const = d["kind"] == "const"
        notes[n] = ax.annotate(
            picture.labels[n], pos[n], ha="center", va="center", fontsize=9, zorder=3, gid=f"node {n}",
            color="0.6" if faded or is_const else "black",
            bbox={"boxstyle": "round,pad=0.4", "fc": "white" if faded else FILL[d["kind"]],
                  "ec": "0.7" if faded else picture.accent or "0.3", "ls": "--" if faded else "-"},
        )  # fmt: skip
    fig.draw_without_rendering()  # measures every box as drawn
    renderer = fig.canvas.get_renderer() if hasattr(fig.canvas, "get_renderer") else fig._get_renderer()
    to_data = ax.transData.inverted()
    boxes, extents = {}, []
    for n, note in notes.items():
        extent = note.get_bbox_patch().get_window_extent(renderer)
        (x0, y0), (x1, y1) = to_data.transform([(extent.x0, extent.y0), (extent.x1, extent.y1)])
        boxes[n] = ((x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0)
        extents.append(extent)
    unit = ax.transData.transform([(0.0, 0.0), (1.0, 0.0)])
    corner = 0.4 * 9 * dpi / 72 * 1.5 / (unit[1][0] - unit[0][0])  # the rounded corners, in x units
    placed = []
    for (u, v), line in route(boxes, routed.waypoints, inset=corner).items():
        segments = curve(line)
        vertices = [segments[0][0], *(p for segment in segments for p in segment[1:])]
        codes = [Path.MOVETO, *[Path.CURVE4] * (len(vertices) - 1)]
        ax.add_patch(
            FancyArrowPatch(path=Path(vertices, codes), arrowstyle="-|>", mutation_scale=14, linewidth=1.0, shrinkA=0, shrinkB=0,
                            color="0.75" if u in picture.faded else "0.45", zorder=1, gid=f"edge {u} -> {v}")
        )  # fmt: skip
        if (u, v) in picture.edge_labels:
            text = ax.text(
                *along(segments, 0.5), picture.edge_labels[u, v], ha="center", va="center", fontsize=8,
                color=PARTIAL, zorder=2, gid=f"label {u} -> {v}",
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.9},
            )  # fmt: skip
            pad = 0.15 * 8 * dpi / 72 + 1
            for t in label_spots(segments):
                text.set_position(along(segments, t))
                here = text.get_window_extent(renderer).expanded(1, 1).padded(pad)
                if not any(here.overlaps(e) for e in extents + placed):
                    break
            else:  # nowhere clear of every label: clear of the boxes at least
                for t in label_spots(segments):
                    text.set_position(along(segments, t))
                    here = text.get_window_extent(renderer).padded(pad)
                    if not any(here.overlaps(e) for e in extents):
                        break
            placed.append(text.get_window_extent(renderer).padded(pad))
    if path is not None:
        fig.savefig(path, format=format, dpi=dpi)
    return fig


def draw(
    graph: Graph,
    inputs: Mapping[str, Any] | Sequence[Any] | None = None,
    *,
    forward: str | None = None,
    reverse: bool = False,
    output: str | None = None,
    partials: bool = True,
    path: str | os.PathLike | None = None,
    format: str | None = None,
    max_nodes: int = MAX_DRAW_NODES,
    summarise: bool = False,
) -> Any:
    """Draw a graph, optionally annotated with values, edge partials and one sweep.

    Parameters
    ----------
    graph : Graph
    inputs : mapping or sequence, optional
        Input values; without them only the structure is drawn.
    forward : str, optional
        Show the tangents of a forward sweep seeded at this input.
    reverse : bool
        Show the adjoints of a reverse sweep (seeded at ``output``, default the only one).
    partials : bool
        Label edges with their local partials (scalar graphs with inputs).
    path : path, optional
        Where to write the picture; its suffix picks the format unless ``format`` is given.
    format : {"dot", "png", "svg"}, optional
        ``"dot"`` returns Graphviz text and needs nothing installed; the others need
        matplotlib (``pip install 'graphdiff[plot]'``) and return the figure (a
        ``matplotlib.figure.Figure`` outside pyplot).
    max_nodes : int
        The most nodes a PNG or SVG picture may show (default :data:`MAX_DRAW_NODES`);
        DOT text has no limit and takes time linear in the graph.
    summarise : bool
        Past ``max_nodes`` nodes, draw a PNG or SVG picture of counted boxes, one per kind
        of node in each band of layers (:func:`summary`), instead of refusing. DOT text
        is never summarised.

    Raises
    ------
    TooLargeToDrawError
        A PNG or SVG picture of a graph of more than ``max_nodes`` nodes, unless ``summarise``.

    Examples
    --------
    >>> import graphdiff as gd
    >>> dot = gd.draw(gd.builders.colah(), {"a": 2.0, "b": 1.0}, reverse=True, format="dot")
    >>> print(dot.splitlines()[5])
      "a" [label="a = 2\\nde/da = 2"];
    >>> fig = gd.draw(gd.builders.random_dag(500), format="png", summarise=True)
    >>> fig.axes[0].get_title()
    'random_dag(500,3,2,0), summarised: 503 nodes in 13 boxes'
    """
    if format is None:
        format = os.path.splitext(str(path))[1].lstrip(".").lower() if path is not None else "dot"
    if format not in ("dot", "png", "svg"):
        raise ArgumentError(f"draw writes dot, png or svg, not {format!r}")
    large = format != "dot" and len(graph) > max_nodes
    if large and not summarise:
        _refuse_if_too_large(graph, max_nodes, format)
    picture = annotate(graph, inputs, forward=forward, reverse=reverse, output=output, partials=partials)
    if large:
        picture = summary(picture)
    if format == "dot":
        text = to_dot(picture)
        if path is not None:
            with open(path, "w") as f:
                f.write(text + "\n")
        return text
    return render(picture, path, format, max_nodes=max_nodes)


def structure_svg(graph: Graph, max_nodes: int = MAX_DRAW_NODES) -> str | None:
    """The graph's structure as SVG text, for Jupyter.

    ``None`` (Jupyter then shows the graph's repr) without matplotlib, or for a graph of
    more than ``max_nodes`` nodes, which would take long to draw and be unreadable.

    Examples
    --------
    >>> from graphdiff import builders
    >>> structure_svg(builders.speelpenning(150)) is None  # 299 nodes
    True
    """
    import io

    from graphdiff.errors import OptionalDependencyError

    if len(graph) > max_nodes:
        return None
    try:
        buffer = io.StringIO()
        render(annotate(graph), buffer, "svg", max_nodes=max_nodes)
    except OptionalDependencyError:
        return None
    return buffer.getvalue()
