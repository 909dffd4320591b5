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

__all__ = ["draw", "to_dot", "annotate", "structure_svg", "Picture", "MAX_DRAW_NODES", "MAX_PIXELS"]

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


def _fmt(value: Any) -> str:
    if np.ndim(value) == 0:
        return f"{float(value):.4g}"
    return "array " + "×".join(map(str, np.shape(value)))


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
        rv = reverse_sweep(graph, inputs, output=graph.outputs[0]) if len(graph.outputs) == 1 else None
        values = rv.values if rv else dict(zip(graph.program.names, _evaluate_all(graph, inputs)))
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


def layout(graph: Graph) -> dict[str, tuple[float, float]]:
    """Positions: a layer (y) per topological generation, ordered within a layer by their neighbours (x).

    An input or constant goes in the layer just below the first operation that reads it.
    Each layer is ordered three times, by the barycentre of the neighbours already placed:
    upwards by arguments, downwards by users (so an input or a constant sits under what
    reads it), upwards again by arguments; this uncrosses most edges of small graphs.
    Time linear in the graph, but for sorting each layer.
    """
    G = graph.nx
    layer = {n: y for y, generation in enumerate(nx.topological_generations(G)) for n in generation}
    for n in G:
        if G.in_degree(n) == 0 and G.out_degree(n):
            layer[n] = min(layer[v] for v in G.successors(n)) - 1
    rows: dict[int, list[str]] = {}
    for n in G:
        rows.setdefault(layer[n], []).append(n)
    positions: dict[str, tuple[float, float]] = {}

    def barycentre(n: str, neighbours: Any, default: float) -> tuple[float, bool]:
        xs = [positions[u][0] for u in neighbours(n) if u in positions]
        return (sum(xs) / len(xs) if xs else default, G.nodes[n]["kind"] == "const")

    def place(y: int, key: Any) -> None:
        ordered = sorted(rows[y], key=key)
        for k, n in enumerate(ordered):
            positions[n] = (k - (len(ordered) - 1) / 2, float(y))

    for y in sorted(rows):  # upwards, by arguments: what has none first
        place(y, lambda n: barycentre(n, G.predecessors, -1.0))
    for y in sorted(rows, reverse=True):  # downwards, by users
        place(y, lambda n: barycentre(n, G.successors, positions[n][0]))
    for y in sorted(rows):  # upwards again, by arguments
        place(y, lambda n: barycentre(n, G.predecessors, positions[n][0]))
    return positions


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
    G = picture.graph.nx
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
            "shows readably: write Graphviz text instead (format='dot'; graphdiff draw ... --format dot), "
            "draw a smaller graph, or pass a larger max_nodes"
        )


def render(
    picture: Picture,
    path: str | os.PathLike | Any | None = None,
    format: str | None = None,
    max_nodes: int = MAX_DRAW_NODES,
) -> Any:
    """Draw the picture with matplotlib; save it to ``path`` (PNG or SVG) if given; return the figure.

    The figure is a ``matplotlib.figure.Figure`` of its own, outside pyplot: the backend
    and pyplot's figures are left alone. A picture of more than ``max_nodes`` nodes is
    refused with :class:`~graphdiff.errors.TooLargeToDrawError`; a PNG is rasterized at
    :data:`DPI`, or lower so that it holds at most :data:`MAX_PIXELS` pixels.
    """
    from matplotlib.patches import FancyArrowPatch

    from graphdiff.views.plot import new_figure

    graph = picture.graph
    _refuse_if_too_large(graph, max_nodes, format or "png")
    G = graph.nx
    pos = layout(graph)
    widths = collections.Counter(y for _, y in pos.values())
    width, depth = max(widths.values(), default=1), max(widths, default=0.0) + 1
    size = (max(5.0, _CELL[0] * width), max(3.5, _CELL[1] * depth + 1.2))
    dpi = min(DPI, (MAX_PIXELS / (size[0] * size[1])) ** 0.5)
    fig = new_figure(size, dpi=dpi, format=format)
    side, top, bottom = _MARGINS
    ax = fig.add_axes(
        (side / size[0], bottom / size[1], 1 - 2 * side / size[0], 1 - (top + bottom) / size[1])
    )
    for n, d in G.nodes(data=True):
        faded = n in picture.faded
        is_const = d["kind"] == "const"
        color = FILL[d["kind"]]
        outline = picture.accent or "0.3"
        ax.annotate(
            picture.labels[n], pos[n], ha="center", va="center", fontsize=9, zorder=3,
            color="0.6" if faded or is_const else "black",
            bbox={"boxstyle": "round,pad=0.4", "fc": "white" if faded else color, "ec": "0.7" if faded else outline,
                  "ls": "--" if faded else "-"},
        )  # fmt: skip
    for u, v in dict.fromkeys((u, v) for u, v, _ in G.edges(keys=True)):  # parallel edges (x * x) drawn once
        ax.add_patch(
            FancyArrowPatch(pos[u], pos[v], arrowstyle="-|>", mutation_scale=14, shrinkA=36, shrinkB=36,
                            color="0.45", linewidth=1.0, zorder=1)
        )  # fmt: skip
        if (u, v) in picture.edge_labels:
            ax.text(
                (pos[u][0] + pos[v][0]) / 2, (pos[u][1] + pos[v][1]) / 2, picture.edge_labels[u, v],
                ha="center", va="center", fontsize=8, color=PARTIAL, zorder=1,
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.9},
            )  # fmt: skip
    ax.set_title(picture.title, fontsize=12)
    fig.text(
        0.5, 0.1 / size[1], picture.legend, ha="center", va="bottom", fontsize=8.5, color="0.3", wrap=True
    )
    xs = [p[0] for p in pos.values()] or [0.0]
    ax.set_xlim(min(xs) - 0.8, max(xs) + 0.8)
    ax.set_ylim(-0.6, depth - 0.4)
    ax.axis("off")
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

    Raises
    ------
    TooLargeToDrawError
        A PNG or SVG picture of a graph of more than ``max_nodes`` nodes.

    Examples
    --------
    >>> import graphdiff as gd
    >>> dot = gd.draw(gd.builders.colah(), {"a": 2.0, "b": 1.0}, reverse=True, format="dot")
    >>> print(dot.splitlines()[5])
      "a" [label="a = 2\\nde/da = 2"];
    """
    if format is None:
        format = os.path.splitext(str(path))[1].lstrip(".").lower() if path is not None else "dot"
    if format not in ("dot", "png", "svg"):
        raise ArgumentError(f"draw writes dot, png or svg, not {format!r}")
    if format != "dot":
        _refuse_if_too_large(graph, max_nodes, format)
    picture = annotate(graph, inputs, forward=forward, reverse=reverse, output=output, partials=partials)
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
