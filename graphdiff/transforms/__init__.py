"""The transformations users call, named as in JAX, and derivatives as graphs."""

from graphdiff.transforms.api import grad, jvp, value_and_grad, vjp
from graphdiff.transforms.check import GradientCheckError, check_grads
from graphdiff.transforms.derivatives import grad_graph, jvp_graph, vjp_graph
from graphdiff.transforms.elimination import Elimination, eliminate, linearize_graph
from graphdiff.transforms.jacobians import hessian, jacfwd, jacrev
from graphdiff.transforms.jit import jit
from graphdiff.transforms.sparse import Colouring, colouring, sparse_jacobian, sparsity

__all__ = ["grad", "value_and_grad", "jvp", "vjp", "jacfwd", "jacrev", "grad_graph", "jvp_graph",
           "vjp_graph", "hessian", "jit", "check_grads", "GradientCheckError", "eliminate", "linearize_graph",
           "Elimination", "sparse_jacobian", "sparsity", "colouring", "Colouring"]  # fmt: skip
