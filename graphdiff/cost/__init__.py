"""Counting and cost: what each mode computes, keeps and takes, counted from the arithmetic performed.

- :func:`measure`: every mode on a graph, counted and timed;
- :mod:`~graphdiff.cost.tally`: whole-sweep operation counts from each rule's measured arithmetic;
- :mod:`~graphdiff.cost.memory`: how many numbers a sweep keeps alive at once;
- :func:`advise` and :func:`jacobian`: which method to use on your function, counted and timed.
"""

from graphdiff.cost.advice import Advice, advise, jacobian
from graphdiff.cost.sweeps import (
    MODES,
    ModeCost,
    count_by_running,
    interleaved_medians,
    measure,
    median_seconds,
)

__all__ = ["MODES", "ModeCost", "measure", "count_by_running", "median_seconds", "interleaved_medians", "advise",
           "Advice", "jacobian"]  # fmt: skip
