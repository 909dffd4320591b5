"""The primitive table, and what rules may compute with.

- :mod:`~graphdiff.primitives.elementary`: the numpy operations rules may use, listed
  once (how each is counted, compiled and computed on numbers);
- :mod:`~graphdiff.primitives.table`: every primitive, its evaluation and its local
  partials (or, for structural primitives, a linear rule and its transpose);
- :mod:`~graphdiff.primitives.boxing`: how Python operators and numpy calls on boxed
  values (tracers, duals) reach the primitives;
- :mod:`~graphdiff.primitives.composite`: functions built from primitives (logsumexp,
  softmax, clip, concatenate, stack, outer, vdot, norm);
- :mod:`~graphdiff.primitives.counting`: values that count the arithmetic a rule performs.
"""

from graphdiff.primitives.composite import (
    clip,
    concatenate,
    einsum,
    log_softmax,
    logsumexp,
    norm,
    outer,
    softmax,
    stack,
    vdot,
)
from graphdiff.primitives.table import (
    MINUS_ONE,
    ONE,
    PRIMITIVES,
    ZERO,
    Partial,
    Primitive,
    abs,
    add,
    arccos,
    arcsin,
    arcsinh,
    arctan,
    arctanh,
    atan2,
    broadcast_to,
    cos,
    cosh,
    define,
    div,
    dot,
    equal,
    exp,
    exp2,
    expm1,
    get_primitive,
    greater,
    integer_pow,
    log,
    log1p,
    log2,
    log10,
    matmul,
    maximum,
    minimum,
    mul,
    neg,
    over,
    picks,
    pow,
    primitive_for_ufunc,
    reciprocal,
    reduce_max,
    reduce_min,
    reduce_sum,
    relu,
    reshape,
    sigmoid,
    sign,
    sin,
    sinh,
    sqrt,
    square,
    sub,
    sum,
    tan,
    tanh,
    times,
    transpose,
)

__all__ = [
    "PRIMITIVES", "Primitive", "Partial", "ZERO", "ONE", "MINUS_ONE", "times", "over", "picks", "define",
    "get_primitive", "primitive_for_ufunc",
    "abs", "add", "atan2", "broadcast_to", "cos", "div", "dot", "equal", "exp", "greater", "integer_pow", "log", "matmul", "maximum", "mul", "neg", "pow", "reduce_max", "reduce_min", "reduce_sum", "relu", "reshape", "sigmoid", "sign", "sin", "sqrt", "square", "sub", "sum", "tan", "tanh", "transpose",
    "minimum", "log1p", "expm1", "log2", "log10", "exp2", "sinh", "cosh", "arcsin", "arccos", "arctan", "arcsinh", "arctanh", "reciprocal",
    "clip", "concatenate", "einsum", "log_softmax", "logsumexp", "norm", "outer", "softmax", "stack", "vdot",
]  # fmt: skip
