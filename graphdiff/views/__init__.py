"""Pictures and reports: the graph drawn with its sweeps, per-node tables, the path-sum view, the step-through page."""

from graphdiff.views.draw import draw, to_dot
from graphdiff.views.paths import count_paths, paths
from graphdiff.views.report import edge_partials, render_sweeps, sweeps_report
from graphdiff.views.show import Page, show

__all__ = [
    "draw",
    "to_dot",
    "paths",
    "count_paths",
    "edge_partials",
    "sweeps_report",
    "render_sweeps",
    "show",
    "Page",
]
