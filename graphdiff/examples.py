"""The worked examples that ``graphdiff example NAME`` prints."""

from __future__ import annotations

from typing import Any

from . import builders
from .report import sweeps_report

__all__ = ["COLAH_INPUTS", "colah_report"]

COLAH_INPUTS = {"a": 2.0, "b": 1.0}


def colah_report(seeds: list[str] | None = None) -> dict[str, Any]:
    """Seed 001's example ``e = (a + b)(b + 1)`` at ``a = 2, b = 1``: forward at b and a, reverse at e.

    >>> r = colah_report()
    >>> r["values"]["e"], r["forward"][0]["tangents"]["e"], r["reverse"]["adjoints"]["b"]
    (6.0, 5.0, 5.0)
    """
    return sweeps_report(builders.colah(), COLAH_INPUTS, seeds=seeds or ["b", "a"], output="e")
