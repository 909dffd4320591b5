"""Where the page draws each box and edge: the layered layout of :func:`graphdiff.views.draw.routed_layout`,
in pixels, with every edge ending exactly on the border of its boxes.

An edge with waypoints from the layout is routed as the static pictures route it
(:func:`graphdiff.views.draw.route` and :func:`~graphdiff.views.draw.curve`): from the top
of its source box through a waypoint in each layer it crosses to the bottom of its target
box, vertical where it meets a layer. Any other edge (an elimination's fill-in) is a
straight line between two boxes when that crosses no other box; otherwise a quadratic
curve bent to one side, the least bent that clears every box (straight if none does).
Its ends are where the line from each box's centre towards the other end (or the curve's
control point) leaves the box, so an arrowhead drawn at the end touches the box.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from graphdiff.views.draw import Segment, along, curve, label_spots, route

__all__ = ["Box", "Wire", "Diagram", "diagram", "on_border", "MAX_DIAGRAM_NODES"]

MAX_DIAGRAM_NODES = 60
"""The most nodes a diagram on the page draws; past it the page lists the steps only."""
FONT = 20  # px: the boxes' text, legible on a projector
CHAR = 0.62 * FONT  # the width of one character of a monospace font
LINE = 26  # px between lines of a box
PAD = (14, 10)  # px inside a box, across and down
GAP = (64, 78)  # px between boxes, across a layer and between layers (room for edge labels)
MARGIN = 24
BENDS = (1, -1, 2, -2, 3, -3, 4, -4)  # how far a curve may bend, in units of BEND px, in order of trial
BEND = 42
CORNER = 7  # px: the rounding of a box's corners (rx on the page), kept clear of edge ends


@dataclass(frozen=True)
class Box:
    """A node's box: centre ``(x, y)``, width ``w`` and height ``h`` in pixels."""

    name: str
    kind: str
    x: float
    y: float
    w: float
    h: float

    def contains(self, px: float, py: float, inflate: float = 0.0) -> bool:
        return abs(px - self.x) < self.w / 2 + inflate and abs(py - self.y) < self.h / 2 + inflate

    def border(self, tx: float, ty: float) -> tuple[float, float]:
        """Where the line from the centre towards ``(tx, ty)`` leaves the box."""
        dx, dy = tx - self.x, ty - self.y
        if dx == 0 and dy == 0:
            return self.x, self.y + self.h / 2
        scale = min(
            (self.w / 2) / abs(dx) if dx else float("inf"),
            (self.h / 2) / abs(dy) if dy else float("inf"),
        )
        return self.x + dx * scale, self.y + dy * scale


@dataclass(frozen=True)
class Wire:
    """An edge's path: SVG path data ``d`` from ``start`` to ``end``, its label at ``label``."""

    u: str
    v: str
    d: str
    start: tuple[float, float]
    end: tuple[float, float]
    label: tuple[float, float]
    bent: bool
    control: tuple[float, float] | None = None
    segments: tuple[Segment, ...] = ()  # a routed wire's cubic segments, through its waypoints

    def at(self, t: float) -> tuple[float, float]:
        """The point a fraction ``t`` along the wire."""
        if self.segments:
            return along(self.segments, t)
        if self.control is None:
            return _lerp(self.start, self.end, t)
        return _quad(self.start, self.control, self.end, t)


@dataclass(frozen=True)
class Diagram:
    """Boxes and wires of one graph, and the picture's size."""

    boxes: dict[str, Box]
    wires: list[Wire]
    width: float
    height: float

    def as_dict(self) -> dict:
        return {
            "width": round(self.width),
            "height": round(self.height),
            "nodes": [
                {"id": b.name, "kind": b.kind, "x": _r(b.x), "y": _r(b.y), "w": _r(b.w), "h": _r(b.h)}
                for b in self.boxes.values()
            ],
            "edges": [
                {"u": w.u, "v": w.v, "d": w.d, "lx": _r(w.label[0]), "ly": _r(w.label[1])} for w in self.wires
            ],
        }


def _r(x: float) -> float:
    return round(x, 1)


def on_border(box: Box, point: tuple[float, float], tolerance: float = 0.51) -> bool:
    """Whether ``point`` lies on the border of ``box`` (within ``tolerance`` px).

    >>> on_border(Box("a", "op", 0, 0, 100, 50), (50, 10)), on_border(Box("a", "op", 0, 0, 100, 50), (40, 10))
    (True, False)
    """
    dx, dy = abs(point[0] - box.x), abs(point[1] - box.y)
    inside = dx <= box.w / 2 + tolerance and dy <= box.h / 2 + tolerance
    return inside and (abs(dx - box.w / 2) <= tolerance or abs(dy - box.h / 2) <= tolerance)


def diagram(
    positions: Mapping[str, tuple[float, float]],
    kinds: Mapping[str, str],
    edges: Iterable[tuple[str, str]],
    widths: Mapping[str, int],
    lines: Mapping[str, int] | None = None,
    waypoints: Mapping[tuple[str, str], Sequence[tuple[float, float]]] | None = None,
) -> Diagram:
    """Boxes at ``positions`` (layout units: a layer per unit of y, outputs highest) and a wire per edge.

    ``widths`` gives the most characters a node's box must hold, ``lines`` its lines of
    text (default 2; 1 for constants). ``waypoints`` (a :class:`~graphdiff.views.draw.Layout`'s,
    in layout units) routes the edges it names through them; the others are bent around
    boxes on their own. Parallel edges get one wire.

    >>> d = diagram({"x": (0, 0), "y": (0, 1)}, {"x": "input", "y": "op"}, [("x", "y")], {"x": 5, "y": 5})
    >>> w = d.wires[0]
    >>> on_border(d.boxes["x"], w.start) and on_border(d.boxes["y"], w.end), w.bent
    (True, False)
    """
    lines, waypoints = lines or {}, waypoints or {}
    sizes = {}
    for n in positions:
        count = lines.get(n, 1 if kinds[n] == "const" else 2)
        sizes[n] = (max(widths.get(n, 1), 1) * CHAR + 2 * PAD[0], count * LINE + 2 * PAD[1])
    cell_w = max((w for w, _ in sizes.values()), default=0) + GAP[0]
    cell_h = max((h for _, h in sizes.values()), default=0) + GAP[1]
    points = [*positions.values(), *(p for ps in waypoints.values() for p in ps)]
    xs = [x for x, _ in points] or [0.0]
    ys = [y for _, y in points] or [0.0]
    left, top = min(xs), max(ys)

    def pixels(x: float, y: float) -> tuple[float, float]:
        return MARGIN + (x - left) * cell_w + (cell_w - GAP[0]) / 2, MARGIN + (top - y) * cell_h + (
            cell_h - GAP[1]
        ) / 2

    boxes = {n: Box(n, kinds[n], *pixels(x, y), *sizes[n]) for n, (x, y) in positions.items()}
    unique = [(u, v) for u, v in dict.fromkeys(edges) if u != v]
    routed = route(
        {n: (b.x, b.y, b.w, b.h) for n, b in boxes.items()},
        {e: [pixels(*p) for p in waypoints[e]] for e in unique if e in waypoints},
        inset=CORNER,
    )
    wires = _spread_labels(
        [
            _along(u, v, routed[u, v]) if (u, v) in routed else _route(boxes[u], boxes[v], boxes)
            for u, v in unique
        ]
    )
    width = 2 * MARGIN + (max(xs) - left) * cell_w + cell_w - GAP[0]
    height = 2 * MARGIN + (top - min(ys)) * cell_h + cell_h - GAP[1]
    return Diagram(boxes, wires, width, height)


def _route(a: Box, b: Box, boxes: Mapping[str, Box]) -> Wire:
    others = [box for box in boxes.values() if box.name not in (a.name, b.name)]
    start, end = a.border(b.x, b.y), b.border(a.x, a.y)
    straight = Wire(a.name, b.name, _line(start, end), start, end, _mid(start, end), False)
    if _clear([_lerp(start, end, t / 24) for t in range(25)], others):
        return straight
    mx, my = (a.x + b.x) / 2, (a.y + b.y) / 2
    length = max(((b.x - a.x) ** 2 + (b.y - a.y) ** 2) ** 0.5, 1.0)
    nx_, ny_ = -(b.y - a.y) / length, (b.x - a.x) / length
    for bend in BENDS:
        c = (mx + nx_ * bend * BEND, my + ny_ * bend * BEND)
        start, end = a.border(*c), b.border(*c)
        curve = [_quad(start, c, end, t / 24) for t in range(25)]
        if _clear(curve, others):
            d = f"M{start[0]:.1f},{start[1]:.1f} Q{c[0]:.1f},{c[1]:.1f} {end[0]:.1f},{end[1]:.1f}"
            return Wire(a.name, b.name, d, start, end, _quad(start, c, end, 0.5), True, c)
    return straight


def _along(u: str, v: str, points: list[tuple[float, float]]) -> Wire:
    segments = tuple(curve(points))
    d = f"M{points[0][0]:.1f},{points[0][1]:.1f}" + "".join(
        " C" + " ".join(f"{x:.1f},{y:.1f}" for x, y in segment[1:]) for segment in segments
    )
    bent = len(points) > 2 or abs(points[0][0] - points[-1][0]) > 0.5
    return Wire(u, v, d, points[0], points[-1], along(segments, 0.5), bent, None, segments)


def _spread_labels(wires: list[Wire]) -> list[Wire]:
    """Move a label that would sit on an earlier one along its own wire, nearer one end."""
    placed: list[tuple[float, float]] = []
    spread = []
    for w in wires:
        for t in label_spots(w.segments) if w.segments else (0.5, 0.32, 0.68, 0.2, 0.8):
            p = w.at(t)
            if all(abs(p[0] - q[0]) > 26 or abs(p[1] - q[1]) > 22 for q in placed):
                break
        else:
            p = w.at(0.5)
        placed.append(p)
        spread.append(Wire(w.u, w.v, w.d, w.start, w.end, p, w.bent, w.control, w.segments))
    return spread


def _clear(points: list[tuple[float, float]], others: list[Box]) -> bool:
    return not any(box.contains(x, y, inflate=6) for x, y in points for box in others)


def _lerp(p: tuple[float, float], q: tuple[float, float], t: float) -> tuple[float, float]:
    return p[0] + (q[0] - p[0]) * t, p[1] + (q[1] - p[1]) * t


def _mid(p: tuple[float, float], q: tuple[float, float]) -> tuple[float, float]:
    return _lerp(p, q, 0.5)


def _quad(
    p: tuple[float, float], c: tuple[float, float], q: tuple[float, float], t: float
) -> tuple[float, float]:
    s = 1 - t
    return s * s * p[0] + 2 * s * t * c[0] + t * t * q[0], s * s * p[1] + 2 * s * t * c[1] + t * t * q[1]


def _line(p: tuple[float, float], q: tuple[float, float]) -> str:
    return f"M{p[0]:.1f},{p[1]:.1f} L{q[0]:.1f},{q[1]:.1f}"
