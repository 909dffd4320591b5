"""The primitive table, and what rules may compute with.

- :mod:`~graphdiff.primitives.elementary`: the numpy operations rules may use, listed
  once (how each is counted, compiled and computed on numbers);
- :mod:`~graphdiff.primitives.table`: every primitive, its evaluation and its local
  partials (or, for structural primitives, a linear rule and its transpose);
- :mod:`~graphdiff.primitives.boxing`: how Python operators and numpy calls on boxed
  values (tracers, duals) reach the primitives;
- :mod:`~graphdiff.primitives.counting`: values that count the arithmetic a rule performs.
"""

from graphdiff.primitives.table import (
    MINUS_ONE,
    ONE,
    PRIMITIVES,
    ZERO,
    Partial,
    Primitive,
    abs,
    add,
    atan2,
    broadcast_to,
    cos,
    define,
    div,
    dot,
    equal,
    exp,
    get_primitive,
    greater,
    integer_pow,
    log,
    matmul,
    maximum,
    mul,
    neg,
    over,
    pow,
    primitive_for_ufunc,
    reduce_sum,
    relu,
    reshape,
    sigmoid,
    sign,
    sin,
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
    "PRIMITIVES", "Primitive", "Partial", "ZERO", "ONE", "MINUS_ONE", "times", "over", "define",
    "get_primitive", "primitive_for_ufunc",
    "abs", "add", "atan2", "broadcast_to", "cos", "div", "dot", "equal", "exp", "greater", "integer_pow", "log", "matmul", "maximum", "mul", "neg", "pow", "reduce_sum", "relu", "reshape", "sigmoid", "sign", "sin", "sqrt", "square", "sub", "sum", "tan", "tanh", "transpose",
]  # fmt: skip
