"""graphdiff: forward and reverse mode side by side on one computational graph.

>>> import graphdiff as gd
>>> g = gd.trace(lambda a, b: (a + b) * (b + 1))
>>> g(2.0, 1.0), gd.grad(g)(2.0, 1.0)
(6.0, (2.0, 5.0))
"""

from graphdiff import builders, compiler, cost, graph, ir, modes, primitives, readwrite, transforms, views
from graphdiff.cost import advise, jacobian
from graphdiff.errors import (
    ArgumentError,
    ArityError,
    CycleError,
    ExtraInputError,
    FrozenGraphError,
    GraphError,
    GraphFileError,
    GraphFormatError,
    IndexingError,
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
from graphdiff.graph import Graph, Tracer, cse, dce, trace
from graphdiff.modes import Dual, ForwardResult, ReverseResult, forward, reverse
from graphdiff.primitives import (
    PRIMITIVES,
    Primitive,
    abs,
    add,
    arccos,
    arcsin,
    arcsinh,
    arctan,
    arctanh,
    atan2,
    clip,
    concatenate,
    cos,
    cosh,
    cumsum,
    diagonal,
    div,
    dot,
    einsum,
    equal,
    exp,
    exp2,
    expm1,
    flip,
    greater,
    integer_pow,
    log,
    log1p,
    log2,
    log10,
    log_softmax,
    logsumexp,
    matmul,
    maximum,
    minimum,
    mul,
    neg,
    norm,
    outer,
    pow,
    prod,
    reciprocal,
    relu,
    sigmoid,
    sign,
    sin,
    sinh,
    softmax,
    sqrt,
    square,
    stack,
    std,
    sub,
    tan,
    tanh,
    tril,
    triu,
    var,
    vdot,
)
from graphdiff.primitives.composite import sum  # numpy's sum(x, axis, keepdims); primitives.sum is one node
from graphdiff.transforms import (
    Colouring,
    Elimination,
    GradientCheckError,
    check_grads,
    colouring,
    eliminate,
    grad,
    grad_graph,
    hessian,
    jacfwd,
    jacrev,
    jit,
    jvp,
    jvp_graph,
    linearize_graph,
    sparse_jacobian,
    sparsity,
    value_and_grad,
    vjp,
    vjp_graph,
)
from graphdiff.views import count_paths, draw, paths, show
from graphdiff.views.draw import structure_svg as _structure_svg

# Jupyter shows a Graph as a picture of its structure; the root package wires the two
# layers together, so that the graph itself never imports the pictures above it
Graph._repr_svg_ = _structure_svg

__version__ = "0.1.0"
