"""Pictures of a graph and its sweeps: Graphviz DOT text, or PNG/SVG through matplotlib.

Nodes are laid out in layers by topological generation, inputs at the bottom and outputs
at the top, as in the seed's figures. Optionally each node shows its value, the tangent of
one forward sweep (d node / d seed) or the adjoint of a reverse sweep (d output / d node),
and each edge its local partial; nodes whose tangent or adjoint is a structural zero are
drawn faded.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np

from .errors import ArgumentError
from .graph import Graph

__all__ = ["draw", "to_dot", "annotate", "structure_svg", "Picture"]


@dataclass
class Picture:
    """What to draw: one label per node, faded nodes, edge labels, a title and a legend."""

    graph: Graph
    labels: dict[str, str]
    faded: set[str] = field(default_factory=set)
    edge_labels: dict[tuple[str, str], str] = field(default_factory=dict)
    title: str = ""
    legend: str = ""


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
    from .forward import forward as forward_sweep
    from .report import edge_partials
    from .reverse import reverse as reverse_sweep

    if forward is not None and reverse:
        raise ArgumentError("draw one sweep at a time: forward=INPUT or reverse=True, not both")
    if (forward is not None or reverse) and inputs is None:
        raise ArgumentError("a sweep needs input values: pass inputs")
    G = graph.nx
    labels = {n: n if d["kind"] != "const" else _fmt(d["value"]) for n, d in G.nodes(data=True)}
    picture = Picture(graph, labels, title=graph.name)
    if inputs is None:
        picture.legend = "nodes: inputs at the bottom, operations above their arguments"
        for n, d in G.nodes(data=True):
            if d["kind"] == "op":
                labels[n] = f"{n}\n{d['op']}"
        return picture

    if forward is not None:
        fw = forward_sweep(graph, inputs, seed=forward)
        values, numbers, zeros = fw.values, fw.tangents, fw.zeros
        picture.title = f"Forward sweep seeded at {forward}"
        picture.legend = f"node: name, value and d(node)/d{forward}; faded: does not depend on {forward}"
        mark = lambda n: f"d{n}/d{forward} = {_fmt(numbers[n])}"
    elif reverse:
        rv = reverse_sweep(graph, inputs, output=output)
        values, numbers, zeros = rv.values, rv.adjoints, rv.zeros
        picture.title = f"Reverse sweep seeded at {rv.output}"
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
    from .evaluate import evaluate

    return evaluate(graph.program, graph.bind_inputs(inputs))


def layout(graph: Graph) -> dict[str, tuple[float, float]]:
    """Positions by topological generation (y), ordered within a layer by their arguments (x)."""
    G = graph.nx
    positions: dict[str, tuple[float, float]] = {}
    for y, generation in enumerate(nx.topological_generations(G)):
        ordered = sorted(
            generation,
            key=lambda n: (
                np.mean([positions[u][0] for u, _ in G.in_edges(n)]) if G.in_degree(n) else -1.0,
                G.nodes[n]["kind"] == "const",
            ),
        )
        for k, n in enumerate(ordered):
            positions[n] = (k - (len(ordered) - 1) / 2, float(y))
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
    for u, v, key in G.edges(keys=True):
        label = (
            picture.edge_labels.get((u, v))
            if key == min(k for _, _, k in G.edges(u, keys=True) if _ == v)
            else None
        )
        attrs = [f"label={q(label)}"] if label else []
        if u in picture.faded:
            attrs.append("color=gray70")
        lines.append(f"  {q(u)} -> {q(v)}" + (f" [{', '.join(attrs)}]" if attrs else "") + ";")
    lines.append("}")
    return "\n".join(lines)


def render(picture: Picture, path: str | os.PathLike | None = None, format: str | None = None) -> Any:
    """Draw the picture with matplotlib; save it to ``path`` (PNG or SVG) if given; return the figure."""
    from .plot import require_matplotlib

    plt = require_matplotlib()
    G = picture.graph.nx
    pos = layout(picture.graph)
    width = max(sum(1 for p in pos.values() if p[1] == y) for y in {p[1] for p in pos.values()})
    depth = max(p[1] for p in pos.values()) + 1
    fig, ax = plt.subplots(figsize=(max(5.0, 2.3 * width), max(3.5, 1.5 * depth + 1.2)))
    simple = nx.DiGraph(G)  # parallel edges (x * x) drawn once
    for n, d in G.nodes(data=True):
        faded = n in picture.faded
        is_const = d["kind"] == "const"
        color = "#eeeeee" if is_const else {"input": "#cfe2f3", "op": "#fff2cc"}[d["kind"]]
        ax.annotate(
            picture.labels[n], pos[n], ha="center", va="center", fontsize=9, zorder=3,
            color="0.6" if faded or is_const else "black",
            bbox={"boxstyle": "round,pad=0.4", "fc": "white" if faded else color, "ec": "0.7" if faded else "0.3",
                  "ls": "--" if faded else "-"},
        )  # fmt: skip
    nx.draw_networkx_edges(
        simple, pos, ax=ax, node_size=2600, arrowsize=14, edge_color="0.45", node_shape="s"
    )
    if picture.edge_labels:
        nx.draw_networkx_edge_labels(
            simple, pos, edge_labels=picture.edge_labels, ax=ax, font_size=8, font_color="#a61c00", rotate=False,
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.9},
        )  # fmt: skip
    ax.set_title(picture.title, fontsize=12)
    fig.text(0.5, 0.01, picture.legend, ha="center", va="bottom", fontsize=8.5, color="0.3", wrap=True)
    xs = [p[0] for p in pos.values()]
    ax.set_xlim(min(xs) - 0.8, max(xs) + 0.8)
    ax.set_ylim(-0.6, depth - 0.4)
    ax.axis("off")
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    if path is not None:
        fig.savefig(path, format=format, dpi=130)
        plt.close(fig)
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
        matplotlib (``pip install 'graphdiff[plot]'``) and return the figure.

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
    picture = annotate(graph, inputs, forward=forward, reverse=reverse, output=output, partials=partials)
    if format == "dot":
        text = to_dot(picture)
        if path is not None:
            with open(path, "w") as f:
                f.write(text + "\n")
        return text
    return render(picture, path, format)


def structure_svg(graph: Graph) -> str | None:
    """The graph's structure as SVG text, or ``None`` without matplotlib (for Jupyter)."""
    import io

    from .errors import OptionalDependencyError

    try:
        buffer = io.StringIO()
        render(annotate(graph), buffer, "svg")
    except OptionalDependencyError:
        return None
    return buffer.getvalue()
