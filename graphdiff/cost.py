"""What the function, its Jacobian by forward mode and by reverse mode cost, measured.

Operation counts come from running the ordinary sweeps on :class:`~graphdiff.counting.Counted`
values, so they are the arithmetic the rules actually perform. The conventions:

- placing a seed (a tangent or adjoint of 1) costs nothing; arithmetic with it counts;
- a structural zero (a tangent that does not depend on the seed, an adjoint that never
  arrives) is never computed and costs nothing;
- a forward sweep computes primals and tangents together, so each of forward mode's
  sweeps includes one evaluation of the function;
- reverse mode is one evaluation, then one reverse sweep per output element; an
  adjoint arriving at a node that already has one costs one add (per element);
- vector forward mode is one sweep whose tangents carry every input direction at once.

Memory: ``stored_values`` is how many numbers the reverse sweeps read from the evaluation
(measured: every read of a node's value is recorded); ``peak_live`` the most numbers alive
at once (see :mod:`graphdiff.memory`). Wall times are medians of repeats of the same
sweeps uncounted.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .counting import Counted, OpCounts, counting
from .evaluate import evaluate
from .forward import forward_sweep
from .graph import Graph
from .memory import evaluation_peak, forward_peak, reverse_peak
from .program import Program, one_hot
from .reverse import reverse_sweep

__all__ = ["ModeCost", "measure", "MODES"]

MODES = ("function", "forward", "forward-vector", "reverse")


@dataclass(frozen=True)
class ModeCost:
    """The measured cost of one mode on one graph."""

    mode: str
    sweeps: int
    ops: OpCounts
    stored_values: int
    peak_live: int
    seconds: float


def _lift(value: Any, slot: int) -> Counted:
    return Counted(value)


def _forward_seeds(program: Program) -> list[dict[int, Any]]:
    """One seed per input element: forward mode's sweeps."""
    return [
        {slot: one_hot(program.shapes[slot], e)}
        for slot in program.input_slots
        for e in range(program.sizes[slot])
    ]


def _vector_seeds(program: Program) -> dict[int, Any]:
    """Every input direction at once: input j's tangent is its block of an identity matrix."""
    n = sum(program.sizes[s] for s in program.input_slots)
    seeds, offset = {}, 0
    for slot in program.input_slots:
        shape = program.shapes[slot]
        block = np.zeros((n, program.sizes[slot]))
        block[offset : offset + block.shape[1]] = np.eye(block.shape[1])
        seeds[slot] = block.reshape((n,) + shape)
        offset += block.shape[1]
    return seeds


def _reverse_seeds(program: Program) -> list[dict[int, Any]]:
    """One cotangent per output element: reverse mode's sweeps."""
    return [
        {slot: one_hot(program.shapes[slot], e)}
        for slot in program.output_slots
        for e in range(program.sizes[slot])
    ]


def _counted(seed: dict[int, Any]) -> dict[int, Counted]:
    return {slot: Counted(value) for slot, value in seed.items()}


def _median_seconds(run: Callable[[], Any], repeats: int, budget: float) -> float:
    """The median wall time of ``run``: at least ``repeats`` runs, more while under ``budget`` seconds."""
    times = []
    while len(times) < repeats or (sum(times) < budget and len(times) < 25):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(
    graph: Graph,
    inputs: Sequence[Any],
    modes: Sequence[str] = MODES,
    repeats: int = 3,
    budget: float = 0.2,
) -> dict[str, ModeCost]:
    """Count and time each mode on ``graph`` at ``inputs`` (values in input order).

    Examples
    --------
    >>> from graphdiff import builders
    >>> costs = measure(builders.speelpenning(4), [1.0, 2.0, 3.0, 4.0], repeats=1, budget=0)
    >>> [(m, c.sweeps, c.ops.mul) for m, c in costs.items()]
    [('function', 1, 3), ('forward', 4, 21), ('forward-vector', 1, 27), ('reverse', 1, 9)]
    """
    program = graph.program
    values = graph.bind(inputs)
    out = {}
    for mode in modes:
        count, run = _MODES[mode](program, values)
        ops, sweeps, stored, peak = count()
        out[mode] = ModeCost(mode, sweeps, ops, stored, peak, _median_seconds(run, repeats, budget))
    return out


def _function(program: Program, values: list) -> tuple[Callable, Callable]:
    def count():
        with counting() as ops:
            evaluate(program, values, _lift)
        return ops, 1, 0, evaluation_peak(program)

    return count, lambda: evaluate(program, values)


def _forward(program: Program, values: list) -> tuple[Callable, Callable]:
    seeds = _forward_seeds(program)

    def count():
        total, peak = OpCounts(), 0
        for seed in seeds:
            with counting() as ops:
                _, tangents = forward_sweep(program, values, _counted(seed), _lift)
            total += ops
            peak = max(peak, forward_peak(program, [0 if t is None else t.size for t in tangents]))
        return total, len(seeds), 0, peak

    def run():
        for seed in seeds:
            forward_sweep(program, values, seed)

    return count, run


def _forward_vector(program: Program, values: list) -> tuple[Callable, Callable]:
    seed = _vector_seeds(program)

    def count():
        with counting() as ops:
            _, tangents = forward_sweep(program, values, _counted(seed), _lift)
        return ops, 1, 0, forward_peak(program, [0 if t is None else t.size for t in tangents])

    return count, lambda: forward_sweep(program, values, seed)


def _reverse(program: Program, values: list) -> tuple[Callable, Callable]:
    seeds = _reverse_seeds(program)

    def count():
        with counting() as total:
            primals = evaluate(program, values, _lift)
        tagged = [None if v is None else Counted(v.value, slot=k) for k, v in enumerate(primals)]
        read, arrived = set(), []
        for seed in seeds:
            with counting() as ops:
                adjoints = reverse_sweep(program, tagged, _counted(seed))
            total += ops
            read |= ops.read
            arrived.append([a is not None for a in adjoints])
        tape = frozenset(k for k in read if program.kinds[k] != "const")
        stored = sum(program.sizes[k] for k in tape)
        return total, len(seeds), stored, reverse_peak(program, tape, arrived)

    def run():
        primals = evaluate(program, values)
        for seed in seeds:
            reverse_sweep(program, primals, seed)

    return count, run


_MODES = {"function": _function, "forward": _forward, "forward-vector": _forward_vector, "reverse": _reverse}
