"""Whole Jacobians and Hessians: jacfwd (a sweep per input element), jacrev (a sweep per
output element) and hessian (forward over reverse), with JAX's arguments and layout.

The layout is JAX's: outputs outermost, each output's entry structured as the inputs
differentiated by, each block shaped ``output.shape + input.shape``. Where every input
and output is a scalar (every graph the builders make), that layout is nested tuples
of numbers; graphdiff returns one array instead, indexed the same way
(``J[i][j]`` = d output_i / d input_j) and built at C speed.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from graphdiff.compiler.codegen import fast, interpreted
from graphdiff.compiler.codegen import run as _run
from graphdiff.errors import InputError
from graphdiff.graph.graph import Graph
from graphdiff.graph.pytree import Packing, unflatten
from graphdiff.ir.program import one_hot
from graphdiff.modes.evaluate import evaluate
from graphdiff.modes.forward import forward_sweep
from graphdiff.modes.reverse import reverse_sweep
from graphdiff.primitives.boxing import Box
from graphdiff.transforms.api import (
    Differentiable,
    _any_boxed,
    _checked_aux,
    _dense,
    _grouped,
    _picked,
    _picked_leaves,
    _prepare,
    _Traced,
)
from graphdiff.values import as_output

__all__ = ["jacfwd", "jacrev", "hessian"]

_VECTOR_FIRST = 16  # scalar inputs from which jacfwd's first call compiles its vector sweep


def jacfwd(f: Differentiable, argnums: Any = None, has_aux: bool = False) -> Callable[..., Any]:
    """The Jacobian by forward mode: one sweep per input element.

    Once a scalar graph's code is generated (see :func:`graphdiff.jit`), and from the
    first call with many inputs, one vector sweep carries every input direction instead;
    the numbers are the same.

    Returns a function of the inputs. ``argnums`` and ``has_aux`` are as in
    :func:`graphdiff.grad` (without ``argnums``, every input); the layout is described in
    :mod:`graphdiff.transforms.jacobians`: one array for a function of scalars.

    Examples
    --------
    >>> import numpy as np
    >>> import graphdiff as gd
    >>> gd.jacfwd(lambda x, y: (x * y, x + y))(2.0, 3.0)
    array([[3., 2.],
           [1., 1.]])
    >>> gd.jacfwd(lambda x: gd.sin(x) * 2.0, argnums=0)(np.zeros(2))
    array([[2., 0.],
           [0., 2.]])
    """
    return _jacobian(f, argnums, has_aux, forward=True)


def jacrev(f: Differentiable, argnums: Any = None, has_aux: bool = False) -> Callable[..., Any]:
    """The Jacobian by reverse mode: one evaluation, then one sweep per output element.

    Once a scalar graph's code is generated, each output's row comes from one generated
    evaluation and reverse sweep. Arguments and layout as :func:`jacfwd`.

    Examples
    --------
    >>> import graphdiff as gd
    >>> gd.jacrev(lambda x, y: (x * y, x + y))(2.0, 3.0)
    array([[3., 2.],
           [1., 1.]])
    >>> gd.jacrev(lambda p: p["a"] * p["b"])({"a": 2.0, "b": 3.0})
    ({'a': 3.0, 'b': 2.0},)
    """
    return _jacobian(f, argnums, has_aux, forward=False)


def hessian(f: Differentiable, argnums: Any = None, has_aux: bool = False) -> Callable[..., Any]:
    """The Hessian of a scalar function: forward mode over reverse mode, ``jacfwd(jacrev(f))``.

    The layout is that of the composition, as in JAX. For a function of scalars, one
    array ``H[i][j]`` = d2f / dx_i dx_j; otherwise ``H[i][j]`` is the block d2f / dx_i
    dx_j, shaped ``x_i.shape + x_j.shape`` (one input: the tuple ``(H,)``; an int
    ``argnums``: the block itself).

    Examples
    --------
    >>> import numpy as np
    >>> import graphdiff as gd
    >>> gd.hessian(gd.builders.colah())(2.0, 1.0)       # e = (a + b)(b + 1)
    array([[0., 1.],
           [1., 2.]])
    >>> gd.hessian(lambda x: gd.sum(x * x * x), argnums=0)(np.array([1.0, 2.0]))
    array([[ 6.,  0.],
           [ 0., 12.]])
    """
    gradient = _jacobian(f, argnums, has_aux, forward=False, label="hessian")
    return _jacobian(gradient, argnums, has_aux, forward=True, label="hessian")


def _jacobian(
    f: Differentiable, argnums: Any, has_aux: bool, forward: bool, label: str | None = None
) -> Callable[..., Any]:
    """jacfwd (``forward``) or jacrev of ``f``; ``label`` names the transformation the user called, for messages."""
    if has_aux and isinstance(f, Graph):
        raise InputError("has_aux needs a function returning (value, aux), not a Graph")
    traced = _Traced(_checked_aux(f) if has_aux else f, argnums)
    kind = label or ("jacfwd" if forward else "jacrev")

    def jacobian_f(*args: Any, **kwargs: Any) -> Any:
        graph, inputs, packing = _prepare(traced, args, kwargs)
        pick, leaves = _picked_leaves(argnums, packing, f"{kind} of {graph.name}")
        columns = list(range(len(inputs))) if leaves is None else leaves
        program = graph.program
        value_tree = packing.result.children[0] if has_aux else packing.result
        rows = list(range(value_tree.n_leaves))  # the outputs differentiated: not aux
        boxed = _any_boxed(inputs)
        blocks = (
            _forward(program, inputs, columns, boxed) if forward else _reverse(program, inputs, rows, boxed)
        )
        if forward:
            blocks = blocks[: len(rows)]
        jacobian = _laid_out(blocks, packing, value_tree, argnums, pick, columns, boxed, program)
        if not has_aux:
            return jacobian
        aux_slots = program.output_slots[len(rows) :]
        values = evaluate(program, inputs, boxed=boxed)  # the aux outputs, as f computes them
        return jacobian, unflatten(packing.result.children[1], [as_output(values[s]) for s in aux_slots])

    return jacobian_f


def _forward(program: Any, inputs: list, columns: list[int], boxed: bool) -> Any:
    """Every output's tangents for the input leaves ``columns``: blocks[i][j], or an (m, n) array."""
    # with many inputs, generating the vector sweep costs less than one interpreted sweep per
    # input, so even the first call compiles (about 13 interpreted sweeps' worth of work)
    n = len(inputs)
    function = None if boxed else fast(program, "jacfwd", force=n >= _VECTOR_FIRST)
    compiled = _run(function, inputs, _unit_seeds(n))
    if compiled is not None:  # scalars: one vector sweep carries every input direction
        rows = [np.zeros(n) if t is None else t for t in compiled[1]]
        return np.stack(rows) if rows else np.zeros((0, n))
    started = time.perf_counter()
    blocks: list[list] = [[None] * n for _ in program.output_slots]
    values = evaluate(program, inputs, boxed=boxed) if boxed else None  # recorded once
    for j in columns:
        slot = program.input_slots[j]
        shape = program.shapes[slot]
        parts = []
        for e in range(math.prod(shape)):
            _, tangents = forward_sweep(
                program, inputs, {slot: one_hot(shape, e)}, boxed=boxed, values=values
            )
            parts.append([_dense(tangents[o], program.shapes[o]) for o in program.output_slots])
        for i, o in enumerate(program.output_slots):
            out_shape = program.shapes[o]
            if boxed:
                blocks[i][j] = _assembled([c[i] for c in parts], out_shape, shape, columns=True)
            elif parts:
                blocks[i][j] = np.stack([c[i] for c in parts], axis=-1).reshape(out_shape + shape)
            else:
                blocks[i][j] = np.zeros(out_shape + shape)
    if not boxed:
        interpreted(program, "jacfwd", started)
    return blocks


def _reverse(program: Any, inputs: list, rows: list[int], boxed: bool) -> Any:
    """The adjoints of every input for the outputs ``rows``: blocks[i][j], or an (m, n) array."""
    # scalars: one compiled sweep per output, seeded there alone; the other outputs get
    # no cotangent (a zero one would multiply, and 0 * inf is nan)
    m = len(program.output_slots)
    functions = [None] if boxed else [fast(program, ("grad", k)) for k in rows]
    compiled = [_run(g, inputs, [1.0] * m) for g in functions] if None not in functions else [None]
    if None not in compiled:
        return np.array(compiled, dtype=float).reshape(len(rows), len(inputs))
    started = time.perf_counter()
    values = evaluate(program, inputs, boxed=boxed)
    blocks = []
    for i in rows:
        o = program.output_slots[i]
        shape = program.shapes[o]
        parts = []
        for e in range(math.prod(shape)):
            adjoints = reverse_sweep(program, values, {o: one_hot(shape, e)})
            parts.append([_dense(adjoints[s], program.shapes[s]) for s in program.input_slots])
        row = []
        for j, s in enumerate(program.input_slots):
            in_shape = program.shapes[s]
            if boxed:
                row.append(_assembled([r[j] for r in parts], shape, in_shape, columns=False))
            elif parts:
                row.append(np.stack([r[j] for r in parts]).reshape(shape + in_shape))
            else:
                row.append(np.zeros(shape + in_shape))  # an output with no elements
        blocks.append(row)
    if not boxed:
        for k in rows:  # the generated functions share the work
            interpreted(program, ("grad", k), started, share=1 / len(rows))
    return blocks


def _laid_out(
    blocks: Any,
    packing: Packing,
    value_tree: Any,
    argnums: Any,
    pick: tuple[int, ...] | None,
    columns: list[int],
    boxed: bool,
    program: Any,
) -> Any:
    """The blocks in JAX's layout: outputs outermost, then the inputs differentiated by.

    A function of scalars only gets one array, indexed as the nested tuples would be.
    """
    scalar = not boxed and all(t.is_leaf for t in packing.args) and value_tree.is_flat
    scalar = scalar and all(program.shapes[s] == () for s in program.input_slots)
    scalar = scalar and all(program.shapes[s] == () for s in program.output_slots[: value_tree.n_leaves])
    if scalar:
        J = blocks if isinstance(blocks, np.ndarray) else np.array(blocks, dtype=float)
        J = J[:, columns[0]] if pick is not None and not isinstance(argnums, (tuple, list)) else J[:, columns]
        return as_output(J[0]) if value_tree.is_leaf else J
    if isinstance(blocks, np.ndarray):  # scalar sweeps, structured arguments: one float per entry
        blocks = blocks.tolist()
    per_output = [_picked(_grouped(packing, [_entry(b) for b in row]), argnums, pick) for row in blocks]
    return unflatten(value_tree, per_output)


def _entry(block: Any) -> Any:
    """A block as the result holds it: a float for a scalar, a traced value as it is (None: not asked for)."""
    return block if block is None or isinstance(block, Box) else as_output(block)


def _unit_seeds(n: int) -> list[np.ndarray]:
    """Input k's tangent in the vector sweep: the k-th unit vector, -0.0 off the diagonal (clean)."""
    return list(np.where(np.eye(n, dtype=bool), 1.0, -0.0))


def _assembled(parts: list, out_shape: tuple[int, ...], in_shape: tuple[int, ...], columns: bool) -> Any:
    """A Jacobian block ``out_shape + in_shape`` from traced parts, one per element of the input
    (``columns``, from forward sweeps) or of the output (rows, from reverse sweeps).

    Each part is put in place by a product with a constant one-hot array, and the parts are
    added: what stacking does, written with primitives so that it is recorded.
    """
    block = None
    for e, part in enumerate(parts):
        if columns:  # part: out_shape; goes to [..., e] of in_shape
            placed = np.reshape(part, out_shape + (1,) * len(in_shape)) * one_hot(in_shape, e)
        else:  # part: in_shape; goes to [e, ...] of out_shape
            placed = np.reshape(one_hot(out_shape, e), out_shape + (1,) * len(in_shape)) * part
        placed = (
            np.broadcast_to(placed, out_shape + in_shape)
            if np.shape(placed) != out_shape + in_shape
            else placed
        )
        block = placed if block is None else block + placed
    return np.zeros(out_shape + in_shape) if block is None else block
