"""Cost against size on log-log axes, one panel per family (needs matplotlib: ``graphdiff[plot]``)."""

from __future__ import annotations

import os
from typing import Any

from .errors import OptionalDependencyError

__all__ = ["plot_costs", "require_matplotlib"]

# forward and forward-vector often coincide: different markers and dashes keep both visible
_STYLE = {
    "function": {"marker": "o", "color": "0.35"},
    "forward": {"marker": "s", "color": "tab:orange"},
    "forward-vector": {"marker": "^", "color": "tab:green", "linestyle": "--"},
    "reverse": {"marker": "D", "color": "tab:red"},
}


def require_matplotlib() -> Any:
    """Import matplotlib with a non-interactive backend, or say how to install it."""
    try:
        import matplotlib
    except ImportError:
        raise OptionalDependencyError(
            "plotting needs matplotlib: pip install 'graphdiff[plot]' (or pip install matplotlib)"
        ) from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_costs(rows: list[dict[str, Any]], path: str | os.PathLike) -> None:
    """Total operations against size for each mode, one log-log panel per family."""
    plt = require_matplotlib()
    families = list(dict.fromkeys(r["family"] for r in rows))
    fig, axes = plt.subplots(1, len(families), figsize=(4.2 * len(families), 3.6), squeeze=False)
    for ax, family in zip(axes[0], families):
        mine = [r for r in rows if r["family"] == family]
        for mode in dict.fromkeys(r["mode"] for r in mine):
            points = [(r["size"], r["ops"]["total"]) for r in mine if r["mode"] == mode]
            ax.plot(*zip(*points), label=mode, **_STYLE.get(mode, {"marker": "o"}))
        sizes = sorted({r["size"] for r in mine})
        ax.set(xscale="log", yscale="log", title=family, xlabel="size", ylabel="operations (counted)")
        ax.set_xticks(sizes, [str(n) for n in sizes])
        ax.xaxis.set_minor_formatter(plt.NullFormatter())
        ax.grid(True, which="major", alpha=0.3)
    axes[0][0].legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
