"""What the function, its Jacobian by forward mode and by reverse mode cost, measured.

Operation counts come from running the ordinary sweeps on :class:`~graphdiff.primitives.counting.Counted`
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
at once (see :mod:`graphdiff.cost.memory`). Wall times are medians of repeats of the same
sweeps uncounted.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from graphdiff.cost.memory import evaluation_peak, forward_peak, reverse_peak
from graphdiff.cost.tally import forward_counts, function_counts, reverse_counts
from graphdiff.graph.graph import Graph
from graphdiff.ir.program import Program, one_hot
from graphdiff.modes.evaluate import evaluate
from graphdiff.modes.forward import forward_sweep
from graphdiff.modes.reverse import reverse_sweep, tape
from graphdiff.primitives.counting import Counted, OpCounts, counting
from graphdiff.transforms.sparse import colouring_of, group_seeds

__all__ = [
    "ModeCost",
    "feasible_modes",
    "measure",
    "count_by_running",
    "median_seconds",
    "interleaved_medians",
    "MODES",
]

MODES = ("function", "forward", "forward-vector", "reverse")
COMPRESSED = ("forward-compressed", "reverse-compressed")
"""Sweeps of a sparse Jacobian of scalars: one per column colour (a vector sweep carrying one
direction per colour) or one reverse sweep per row colour (see graphdiff.transforms.sparse)."""


VECTOR_NUMBERS = 5 * 10**7
"""The most numbers vector forward mode may hold in its tangents (an upper bound: every
input direction at every node that depends on an input), 400 MB: above it the mode is
left out, counted neither (counting runs its rules on tangents of that size)."""
FORWARD_WORK = 2 * 10**8
"""The most numbers forward mode's sweeps may compute (sweeps times the elements of every
node) for them to be timed: above it they are counted only (a 784-256-10 classifier's
203,530 sweeps would take hours)."""


def feasible_modes(
    program: Program, modes: Sequence[str]
) -> tuple[tuple[str, ...], tuple[str, ...], list[str]]:
    """Of ``modes``: those that can be measured on ``program``, those that can be timed, and a line for each left out.

    >>> from graphdiff import builders
    >>> feasible_modes(builders.speelpenning(3).program, MODES)[2]
    []
    """
    sizes = program.sizes
    n_in = sum(sizes[s] for s in program.input_slots)
    active = sum(size for size, is_active in zip(sizes, program.active) if is_active)
    elements = sum(sizes)
    measured, timed, notes = list(modes), list(modes), []
    if "forward-vector" in modes and n_in * active > VECTOR_NUMBERS:
        measured.remove("forward-vector")
        timed.remove("forward-vector")
        notes.append(
            f"forward-vector left out: its tangents would hold up to {n_in * active:.2g} numbers "
            f"({n_in:,} input elements at each of {active:,} node elements)"
        )
    if "forward" in modes and n_in * elements > FORWARD_WORK:
        timed.remove("forward")
        notes.append(f"forward counted, not timed: {n_in:,} sweeps of {elements:,} elements each")
    return tuple(measured), tuple(timed), notes


@dataclass(frozen=True)
class ModeCost:
    """The measured cost of one mode on one graph."""

    mode: str
    sweeps: int
    ops: OpCounts
    stored_values: int
    peak_live: int
    seconds: float | None  # None: counted, not timed


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


def median_seconds(run: Callable[[], Any], least: int = 3, budget: float = 0.2, most: int = 25) -> float:
    """The median wall time of ``run``: at least ``least`` runs, more (up to ``most``) while under ``budget`` s."""
    times: list[float] = []
    while len(times) < least or (sum(times) < budget and len(times) < most):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def interleaved_medians(
    runs: Sequence[Callable[[], Any]], least: int = 5, budget: float = 1.0, most: int = 200
) -> list[float]:
    """The median wall time of each of ``runs``, timed in turn, round after round.

    At least ``least`` rounds, more (up to ``most``) while under ``budget`` s in all. A
    ratio of two of the medians stays meaningful on a noisy machine: a burst of load slows
    the runs of the same rounds, where timing one function after the other puts the burst
    in one median only.

    Examples
    --------
    >>> fast, slow = interleaved_medians([lambda: sum(range(10)), lambda: sum(range(10_000))])
    >>> fast < slow
    True
    """
    times: list[list[float]] = [[] for _ in runs]
    spent, rounds = 0.0, 0
    while rounds < least or (spent < budget and rounds < most):
        for run, samples in zip(runs, times):
            start = time.perf_counter()
            run()
            samples.append(time.perf_counter() - start)
            spent += samples[-1]
        rounds += 1
    return [statistics.median(samples) for samples in times]


def measure(
    graph: Graph,
    inputs: Sequence[Any],
    modes: Sequence[str] = MODES,
    repeats: int = 3,
    budget: float = 0.2,
    timed: Sequence[str] | None = None,
) -> dict[str, ModeCost]:
    """Count and time each mode on ``graph`` at ``inputs`` (values in input order).

    Counts come from :mod:`graphdiff.cost.tally` (each rule's arithmetic measured once, summed
    along the sweep's path); :func:`count_by_running` gets the same numbers by counting
    every operation of the running sweeps, and the tests hold the two equal. Times are of
    the interpreted sweeps; the modes not in ``timed`` (default: all are timed) are
    counted only, with ``seconds`` None (forward mode on 200,000 inputs is 200,000 sweeps).

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
        ops, sweeps, stored, peak = _TALLIES[mode](program)
        run = timed is None or mode in timed
        seconds = median_seconds(_RUNS[mode](program, values), repeats, budget) if run else None
        out[mode] = ModeCost(mode, sweeps, ops, stored, peak, seconds)
    return out


# --- counts from the structure (fast) -------------------------------------------------------


def _tally_function(program: Program) -> tuple[OpCounts, int, int, int]:
    return function_counts(program), 1, 0, evaluation_peak(program)


def _tally_forward(program: Program) -> tuple[OpCounts, int, int, int]:
    total, peak, sweeps = OpCounts(), 0, 0
    for slot in program.input_slots:  # every element of an input follows the same path
        ops, tangent_sizes = forward_counts(program, {slot})
        total += ops * program.sizes[slot]
        sweeps += program.sizes[slot]
        peak = max(peak, forward_peak(program, tangent_sizes))
    return total, sweeps, 0, peak


def _tally_forward_vector(program: Program) -> tuple[OpCounts, int, int, int]:
    n = sum(program.sizes[s] for s in program.input_slots)
    ops, tangent_sizes = forward_counts(program, set(program.input_slots), batch=(n,))
    return ops, 1, 0, forward_peak(program, tangent_sizes)


def _tally_reverse(program: Program) -> tuple[OpCounts, int, int, int]:
    total, sweeps, kept, patterns = function_counts(program), 0, set(), []
    for slot in program.output_slots:
        ops, arrived = reverse_counts(program, [slot])
        total += ops * program.sizes[slot]
        sweeps += program.sizes[slot]
        patterns.append(arrived)
        kept |= tape(program, [True if a else None for a in arrived])
    stored = sum(program.sizes[k] for k in kept)
    return total, sweeps, stored, reverse_peak(program, frozenset(kept), patterns)


def _tally_forward_compressed(program: Program) -> tuple[OpCounts, int, int, int]:
    p = colouring_of(program, "fwd").colours
    ops, tangent_sizes = forward_counts(program, set(program.input_slots), batch=(p,))
    return ops, p, 0, forward_peak(program, tangent_sizes)


def _tally_reverse_compressed(program: Program) -> tuple[OpCounts, int, int, int]:
    total, kept, patterns = function_counts(program), set(), []
    for seeded in _row_groups(program):
        ops, arrived = reverse_counts(program, seeded)
        total += ops
        patterns.append(arrived)
        kept |= tape(program, [True if a else None for a in arrived])
    stored = sum(program.sizes[k] for k in kept)
    return total, len(patterns), stored, reverse_peak(program, frozenset(kept), patterns)


def _row_groups(program: Program) -> list[list[int]]:
    """The output slots of each row colour: seeded together in one reverse sweep."""
    return [[program.output_slots[i] for i in group] for group in colouring_of(program, "rev").groups]


def _compressed_seeds(program: Program) -> dict[int, Any]:
    """Each input's tangent in the compressed forward sweep: the unit vector of its colour."""
    S = colouring_of(program, "fwd").seeds
    return {slot: S[j] for j, slot in enumerate(program.input_slots)}


_TALLIES = {
    "function": _tally_function,
    "forward": _tally_forward,
    "forward-vector": _tally_forward_vector,
    "reverse": _tally_reverse,
    "forward-compressed": _tally_forward_compressed,
    "reverse-compressed": _tally_reverse_compressed,
}


# --- the sweeps themselves: timed, and counted operation by operation for the tests ---------


def _run_function(program: Program, values: list) -> Callable[[], Any]:
    return lambda: evaluate(program, values)


def _run_forward(program: Program, values: list) -> Callable[[], Any]:
    seeds = _forward_seeds(program)

    def run():
        for seed in seeds:
            forward_sweep(program, values, seed)

    return run


def _run_forward_vector(program: Program, values: list) -> Callable[[], Any]:
    seed = _vector_seeds(program)
    return lambda: forward_sweep(program, values, seed)


def _run_reverse(program: Program, values: list) -> Callable[[], Any]:
    seeds = _reverse_seeds(program)

    def run():
        primals = evaluate(program, values)
        for seed in seeds:
            reverse_sweep(program, primals, seed)

    return run


def _run_forward_compressed(program: Program, values: list) -> Callable[[], Any]:
    seed = _compressed_seeds(program)
    return lambda: forward_sweep(program, values, seed)


def _run_reverse_compressed(program: Program, values: list) -> Callable[[], Any]:
    seeds = [group_seeds(program, group) for group in colouring_of(program, "rev").groups]

    def run():
        primals = evaluate(program, values)
        for seed in seeds:
            reverse_sweep(program, primals, seed)

    return run


_RUNS = {
    "function": _run_function,
    "forward": _run_forward,
    "forward-vector": _run_forward_vector,
    "reverse": _run_reverse,
    "forward-compressed": _run_forward_compressed,
    "reverse-compressed": _run_reverse_compressed,
}


def count_by_running(program: Program, values: list, mode: str) -> tuple[OpCounts, int, int]:
    """Count every operation of the running sweeps of ``mode``: ``(ops, sweeps, stored_values)``.

    The reference for :mod:`graphdiff.cost.tally`; as slow as running the sweeps on counted values.
    """
    total = OpCounts()
    if mode == "function":
        with counting() as total:
            evaluate(program, values, _lift)
        return total, 1, 0
    if mode in ("forward", "forward-vector", "forward-compressed"):
        seeds = {"forward": _forward_seeds, "forward-vector": lambda p: [_vector_seeds(p)],
                 "forward-compressed": lambda p: [_compressed_seeds(p)]}[mode](program)  # fmt: skip
        for seed in seeds:
            with counting() as ops:
                forward_sweep(program, values, _counted(seed), _lift)
            total += ops
        # a compressed sweep carries one direction per colour: as many Jacobian columns at once
        sweeps = colouring_of(program, "fwd").colours if mode == "forward-compressed" else len(seeds)
        return total, sweeps, 0
    with counting() as total:
        primals = evaluate(program, values, _lift)
    tagged = [None if v is None else Counted(v.value, slot=k) for k, v in enumerate(primals)]
    if mode == "reverse-compressed":
        seeds, read = [group_seeds(program, group) for group in colouring_of(program, "rev").groups], set()
    else:
        seeds, read = _reverse_seeds(program), set()
    for seed in seeds:
        with counting() as ops:
            reverse_sweep(program, tagged, _counted(seed))
        total += ops
        read |= ops.read
    return total, len(seeds), sum(program.sizes[k] for k in read if program.kinds[k] != "const")
