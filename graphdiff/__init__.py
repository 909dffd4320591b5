"""graphdiff: forward and reverse mode side by side on one computational graph.

>>> import graphdiff as gd
>>> g = gd.trace(lambda a, b: (a + b) * (b + 1))
>>> g(2.0, 1.0), gd.grad(g)(2.0, 1.0)
(6.0, (2.0, 5.0))
"""

from . import builders, io
from .api import grad, jacfwd, jacrev, jvp, value_and_grad, vjp
from .derivatives import grad_graph, hessian, jvp_graph, vjp_graph
from .draw import draw
from .dual import Dual
from .errors import (
    ArgumentError,
    ArityError,
    CycleError,
    ExtraInputError,
    FrozenGraphError,
    GraphError,
    GraphFileError,
    GraphFormatError,
    InputError,
    MissingInputError,
    NodeError,
    NotScalarError,
    OptionalDependencyError,
    ParameterError,
    PrimitiveDefinitionError,
    SeedError,
    ShapeError,
    TooLargeToDrawError,
    TracerAttributeError,
    TracerError,
    UnknownInputError,
    UnknownPrimitiveError,
    ValueTypeError,
)
from .forward import ForwardResult, forward
from .graph import Graph
from .paths import count_paths, paths
from .primitives import (
    PRIMITIVES,
    Primitive,
    abs,
    add,
    atan2,
    cos,
    div,
    dot,
    equal,
    exp,
    greater,
    integer_pow,
    log,
    matmul,
    maximum,
    mul,
    neg,
    pow,
    relu,
    sigmoid,
    sign,
    sin,
    sqrt,
    square,
    sub,
    sum,
    tan,
    tanh,
)
from .reverse import ReverseResult, reverse
from .tracer import Tracer, trace

__version__ = "0.1.0"
