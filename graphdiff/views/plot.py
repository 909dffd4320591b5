"""Cost against size on log-log axes, one panel per family (needs matplotlib: ``graphdiff[plot]``)."""

from __future__ import annotations

import os
from typing import Any

from graphdiff.errors import OptionalDependencyError

__all__ = ["plot_costs", "require_matplotlib", "new_figure"]

# forward and forward-vector often coincide: different markers and dashes keep both visible
_STYLE = {
    "function": {"marker": "o", "color": "0.35"},
    "forward": {"marker": "s", "color": "tab:orange"},
    "forward-vector": {"marker": "^", "color": "tab:green", "linestyle": "--"},
    "reverse": {"marker": "D", "color": "tab:red"},
}


def require_matplotlib() -> Any:
    """Import matplotlib, or say how to install it.

    Nothing here chooses a backend or touches pyplot: pictures are drawn on a
    :func:`new_figure` of their own, so a Jupyter session's backend and figures stay as they were.
    """
    try:
        import matplotlib
    except ImportError:
        raise OptionalDependencyError(
            "plotting needs matplotlib: pip install 'graphdiff[plot]' (or pip install matplotlib)"
        ) from None
    return matplotlib


def new_figure(figsize: tuple[float, float], dpi: float = 100.0, format: str | None = None) -> Any:
    """A matplotlib ``Figure`` on its own canvas (SVG for ``format="svg"``, else Agg), outside pyplot.

    Examples
    --------
    >>> fig = new_figure((4.0, 3.0), format="svg")
    >>> type(fig.canvas).__name__, fig.get_size_inches().tolist()
    ('FigureCanvasSVG', [4.0, 3.0])
    """
    require_matplotlib()
    from matplotlib.figure import Figure

    if format == "svg":
        from matplotlib.backends.backend_svg import FigureCanvasSVG as Canvas
    else:
        from matplotlib.backends.backend_agg import FigureCanvasAgg as Canvas
    fig = Figure(figsize=figsize, dpi=dpi)
    Canvas(fig)
    return fig


def plot_costs(rows: list[dict[str, Any]], path: str | os.PathLike) -> None:
    """Total operations against size for each mode, one log-log panel per family."""
    require_matplotlib()
    from matplotlib.ticker import NullFormatter

    families = list(dict.fromkeys(r["family"] for r in rows))
    fig = new_figure((4.2 * len(families), 3.6), dpi=120, format=os.path.splitext(str(path))[1].lstrip("."))
    axes = fig.subplots(1, len(families), squeeze=False)
    for ax, family in zip(axes[0], families):
        mine = [r for r in rows if r["family"] == family]
        for mode in dict.fromkeys(r["mode"] for r in mine):
            points = [(r["size"], r["ops"]["total"]) for r in mine if r["mode"] == mode]
            ax.plot(*zip(*points), label=mode, **_STYLE.get(mode, {"marker": "o"}))
        sizes = sorted({r["size"] for r in mine})
        ax.set(xscale="log", yscale="log", title=family, xlabel="size", ylabel="operations (counted)")
        ax.set_xticks(sizes, [str(n) for n in sizes])
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.grid(True, which="major", alpha=0.3)
    axes[0][0].legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
