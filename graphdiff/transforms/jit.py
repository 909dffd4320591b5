"""``jit``: trace a function, derivatives and all, into one graph and compile it at once.

Whatever ``f`` computes, nested transformations included, is recorded as one graph (the
derivatives as the derivative graphs their sweeps make), and that graph's evaluation is
compiled on the first call instead of once repeated calls have paid for it: for users
who know they will call often. A graph with arrays is not compiled to code (numpy does
its work); it is simplified once instead: what no output needs is dropped
(:func:`~graphdiff.dce`) and what is computed twice is shared (:func:`~graphdiff.cse`), and
prepared (:func:`graphdiff.modes.evaluate.prepared`: each primitive's params settled once,
each value let go after its last read). A forward-over-reverse Hessian-vector product that
returns only the product does both. Repeated calls of ``gd.grad`` on arrays come to the
same simplified graph without ``jit``, once their interpreted calls have paid for it
(:func:`graphdiff.transforms.recorded.prepared_gradient`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from graphdiff.compiler.codegen import fast
from graphdiff.graph.graph import Graph
from graphdiff.graph.passes import cse, dce, fold_shapes
from graphdiff.graph.pytree import unflatten
from graphdiff.graph.tracer import Tracer
from graphdiff.modes.evaluate import prepared
from graphdiff.transforms.api import _hot, _Traced
from graphdiff.values import as_output

__all__ = ["jit"]


def jit(f: Callable[..., Any] | Graph) -> Callable[..., Any]:
    """``f`` traced once per argument shapes, its graph compiled on the first call.

    Returns the same values as ``f``, in the same structure (a tuple stays a tuple, a
    1-tuple too). Scalar graphs run as straight-line code from the first call; graphs with
    arrays are interpreted, once simplified by :func:`graphdiff.dce`,
    :func:`graphdiff.cse` and :func:`graphdiff.graph.passes.fold_shapes`, with the same bits.

    Examples
    --------
    >>> import graphdiff as gd
    >>> f = lambda x, y: gd.sin(x) * y
    >>> fast_grad = gd.jit(gd.grad(f))
    >>> fast_grad(0.5, 2.0) == gd.grad(f)(0.5, 2.0)
    True
    """
    traced = _Traced(f)

    def jitted(*args: Any, **kwargs: Any) -> Any:
        outputs = _hot(traced, args, kwargs, "evaluate")  # floats, once compiled: no binding
        if outputs is not None:
            return outputs[0] if len(outputs) == 1 else outputs
        if _any_traced(args) or _any_traced(kwargs.values()):
            return f(*args, **kwargs)  # inside another trace: record f itself
        graph, inputs = traced.graph(args, kwargs)
        packing = traced.packing(graph)  # how f took its arguments and returned its result
        program = graph.program
        simplified = program.__dict__.get("_jit_simplified")  # kept with the program: it goes with the trace
        if simplified is None and fast(program, "evaluate", force=True) is not None:
            out = graph(*inputs)  # scalars: the generated code
            return unflatten(packing.result, (out,) if len(graph.outputs) == 1 else out)
        if simplified is None:  # arrays: run the simplified program, from the inputs bound already
            simplified = _simplify(graph)
        return unflatten(packing.result, [as_output(v) for v in simplified(inputs)])

    return jitted


def _simplify(graph: Graph) -> Callable[[list], list]:
    """The evaluation of ``fold_shapes(cse(dce(graph)))``, prepared (inputs -> outputs) and kept with
    ``graph``'s program; it takes the same inputs."""
    simplified = fold_shapes(cse(dce(graph)))
    assert simplified.inputs == graph.inputs and len(simplified.outputs) == len(graph.outputs)
    graph.program.__dict__["_jit_simplified"] = run = prepared(simplified.program)
    return run


def _any_traced(values: Any) -> bool:
    """Whether a tracer is among ``values`` or inside them (pytrees)."""
    for v in values:
        kind = type(v)
        if kind is np.ndarray or kind is float:
            continue
        if isinstance(v, Tracer):
            return True
        if isinstance(v, dict):  # OrderedDicts too
            if _any_traced(v.values()):
                return True
        elif isinstance(v, (tuple, list)) and _any_traced(v):
            return True
    return False
