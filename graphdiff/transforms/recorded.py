"""The evaluation and reverse sweep of a program, run on tracers: the gradient recorded as a graph.

:func:`recorded_sweep` is what :func:`graphdiff.vjp_graph` and the compiler's gradients
record. :func:`prepared_gradient` is what repeated gradient calls on arrays run: that
graph simplified (:func:`~graphdiff.dce`, :func:`~graphdiff.cse`,
:func:`~graphdiff.graph.passes.fold_shapes`) and prepared once, as :func:`graphdiff.jit`
does, when the interpreted calls have cost about what making it does.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from graphdiff.compiler.codegen import due, keep, made
from graphdiff.graph.passes import cse, dce, fold_shapes
from graphdiff.graph.tracer import Tracer, trace
from graphdiff.ir.program import Program
from graphdiff.modes.evaluate import evaluate, prepared
from graphdiff.modes.reverse import output_seeds, reverse_sweep

__all__ = ["recorded_sweep", "dense_or_zeros", "prepared_gradient"]


def recorded_sweep(
    program: Program, with_value: bool, seeded: Sequence[int], labels: dict[str, str] | None = None
) -> Callable[..., tuple]:
    """The evaluation and reverse sweep as a function of the inputs, then the seeded outputs'
    cotangents: traced, it records them. ``labels`` collects what each traced node holds.

    It returns the outputs' values (``with_value``), then an adjoint per input.
    """
    n = len(program.input_slots)

    def sweep(*values: Any) -> tuple:
        primals = evaluate(program, list(values[:n]), boxed=True)
        adjoints = reverse_sweep(program, primals, output_seeds(program, zip(seeded, values[n:])))
        if labels is not None:
            _label(labels, primals, program.names, "")
            # an adjoint passed on unchanged (through an add) is named where the sweep made it,
            # closest to the output: colah's de/da is the node c_bar
            _label(labels, adjoints[::-1], program.names[::-1], "_bar")
        x_bars = [dense_or_zeros(adjoints[s], program.shapes[s]) for s in program.input_slots]
        outputs = [primals[s] for s in program.output_slots] if with_value else []
        return (*outputs, *x_bars)

    return sweep


def _label(labels: dict[str, str], values: list, names: list[str], suffix: str) -> None:
    """Name each traced operation node after the node of ``g`` whose value (or adjoint) it holds."""
    for value, name in zip(values, names):
        if isinstance(value, Tracer) and value.node not in labels:
            labels[value.node] = name + suffix


def dense_or_zeros(value: Any, shape: tuple[int, ...]) -> Any:
    """An adjoint or tangent as a value: a structural zero (``None``) becomes zeros of ``shape``."""
    if value is not None:
        return value
    return 0.0 if shape == () else np.zeros(shape)


# seconds per instruction of the primal program that recording, simplifying and preparing
# took last in this process (the first guess: an MLP's 17 instructions took 10 ms)
_PREPARE_SECONDS = [0.6e-3]


def prepared_gradient(program: Program, with_value: bool, inputs: list) -> Callable[[list], list] | None:
    """The gradient of a program's one output, seeded 1.0, as a prepared graph; ``None`` until it is due.

    Returns a function of the inputs giving the output's value (``with_value``), then an
    adjoint for each input the program varies (``program.active``; ``None`` for the
    others, data that :func:`graphdiff.grad`'s ``argnums`` leaves out). It is the graph
    :func:`graphdiff.jit` runs: the sweep recorded with the seed a constant, so what
    depends on the seed alone is computed once, then simplified. It is made from the
    ``COMPILE_AFTER``-th call on, once the interpreted calls of this kind (see
    :func:`graphdiff.compiler.codegen.interpreted`) have cost about what making it will;
    ``inputs``, this call's, are the values it is traced at.
    """
    kind = "vjp" if with_value else "grad"
    run = made(program, ("prepared", kind))
    if run is not None:
        return run
    if not due(program, kind, _PREPARE_SECONDS[0] * len(program.ops)):
        return None
    started = time.perf_counter()
    sweep = recorded_sweep(program, with_value, [0])
    varied = [program.active[s] for s in program.input_slots]
    m = 1 if with_value else 0

    def unit_seeded(*values: Any) -> tuple:
        results = sweep(*values, np.float64(1.0))
        return results[:m] + tuple(x for x, on in zip(results[m:], varied) if on)

    names = [f"x{k}" for k in range(len(inputs))]
    simplified = fold_shapes(cse(dce(trace(unit_seeded, *inputs, name="gradient", names=names))))
    evaluation = prepared(simplified.program)

    def run(values: list) -> list:
        results = iter(evaluation(values))
        head = [next(results) for _ in range(m)]
        return head + [next(results) if on else None for on in varied]

    keep(program, ("prepared", kind), run)
    if len(program.ops) >= 10:  # enough for the fixed costs not to count
        _PREPARE_SECONDS[0] = (time.perf_counter() - started) / len(program.ops)
    return run
