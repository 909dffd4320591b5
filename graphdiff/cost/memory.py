"""How many numbers a sweep keeps alive at once, if every value is freed after its last use.

Time runs over the program's instructions: instruction ``i`` of the evaluation happens at
time ``i`` (inputs exist from time -1); in reverse mode, the reverse sweep handles
instruction ``i`` at time ``E + (E - 1 - i)`` where ``E`` is the number of instructions.
A value counts from the instruction that makes it to its last reader; outputs live to the
end. Sizes are in float64 numbers (an array counts its elements). Constants belong to the
program, not to a sweep, and are not counted.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from graphdiff.ir.analysis import last_uses
from graphdiff.ir.program import Program

__all__ = ["evaluation_peak", "forward_peak", "reverse_peak", "last_uses"]


def _births(program: Program) -> list[int]:
    born = [-1] * len(program)
    for i, op in enumerate(program.ops):
        born[op.out] = i
    return born


def _peak(intervals: Iterable[tuple[int, int, int]]) -> int:
    """The largest total size alive at once; an interval ``(birth, death, size)`` is inclusive."""
    events = []
    for birth, death, size in intervals:
        if size:
            events.append((birth, 0, size))  # births before deaths at the same time
            events.append((max(death, birth), 1, -size))
    live = peak = 0
    for _, _, change in sorted(events):
        live += change
        peak = max(peak, live)
    return peak


def _primal_intervals(program: Program, keep: frozenset[int] = frozenset(), until: int = 0) -> list:
    born, last = _births(program), last_uses(program)
    return [
        (born[k], until if k in keep else max(last[k], born[k]), program.sizes[k])
        for k in range(len(program))
        if program.kinds[k] != "const"
    ]


def evaluation_peak(program: Program) -> int:
    """Peak live numbers while evaluating the function."""
    return _peak(_primal_intervals(program))


def forward_peak(program: Program, tangent_sizes: list[int]) -> int:
    """Peak live numbers in a forward sweep: primals, plus the tangents that are not structural zeros.

    ``tangent_sizes[k]`` is the size of node k's tangent (0 for a structural zero); a
    tangent lives as long as its primal. Forward mode asks once per input, so the primal
    intervals are laid out once per program and each sweep adds its tangents to them with
    numpy, in time linear in the graph.
    """
    births, deaths, sizes, primal = _timeline(program)
    tangents = np.asarray(tangent_sizes, dtype=np.int64)[_non_const_slots(program)]
    change = np.zeros(len(primal) + 1, dtype=np.int64)
    np.add.at(change, births, tangents)
    np.add.at(change, deaths + 1, -tangents)
    return int(np.max(primal + np.cumsum(change[:-1]))) if len(primal) else 0


def _timeline(program: Program) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The evaluation's intervals (births, deaths, sizes; shifted by one, time -1 at index 0) and
    its live numbers at each time, worked out once per program."""
    cached = program.__dict__.get("_memory_timeline")
    if cached is None:
        intervals = _primal_intervals(program)
        births = np.array([b for b, _, _ in intervals], dtype=np.int64) + 1
        deaths = np.array([max(d, b) for b, d, _ in intervals], dtype=np.int64) + 1
        sizes = np.array([n for _, _, n in intervals], dtype=np.int64)
        times = len(program.ops) + 2  # -1 (inputs) through E (outputs)
        change = np.zeros(times + 1, dtype=np.int64)
        np.add.at(change, births, sizes)
        np.add.at(change, deaths + 1, -sizes)
        cached = births, deaths, sizes, np.cumsum(change[:-1])
        program.__dict__["_memory_timeline"] = cached
    return cached


def _non_const_slots(program: Program) -> np.ndarray:
    return np.array(_non_const(program), dtype=np.int64)


def reverse_peak(program: Program, tape: frozenset[int], sweeps: list[list[bool]]) -> int:
    """Peak live numbers in reverse mode: an evaluation keeping the tape, then the sweeps.

    ``tape`` holds the slots the sweeps read; it and the outputs stay alive through every
    sweep. ``sweeps[j][k]`` says whether an adjoint reached slot k in sweep j. An adjoint
    lives from the first contribution to it until its instruction passes it on (inputs'
    adjoints, the gradient, until the sweep ends).
    """
    E = len(program.ops)
    end = 2 * E
    kept = tape | set(program.output_slots)
    peak = _peak(_primal_intervals(program, frozenset(kept), until=E - 1))
    kept_size = sum(program.sizes[k] for k in kept if program.kinds[k] != "const")
    born = _births(program)
    for arrived in sweeps:
        first = [end] * len(program)  # reverse time of the first contribution
        for s in program.output_slots:
            first[s] = E
        for i, op in enumerate(program.ops):
            if arrived[op.out]:
                t = E + (E - 1 - i)
                for _, a in op.active_args:
                    first[a] = min(first[a], t)
        intervals = [
            (
                first[k],
                end if program.kinds[k] == "input" else E + (E - 1 - born[k]),
                program.sizes[k],
            )
            for k in range(len(program))
            if arrived[k] and program.kinds[k] != "const"
        ]
        peak = max(peak, kept_size + _peak(intervals))
    return peak


def _non_const(program: Program) -> list[int]:
    return [k for k in range(len(program)) if program.kinds[k] != "const"]
