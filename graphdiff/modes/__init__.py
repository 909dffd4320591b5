"""The modes: short interpreters over a program.

- :mod:`~graphdiff.modes.evaluate`: the primal interpreter;
- :mod:`~graphdiff.modes.forward`: forward mode, a tangent beside every value;
- :mod:`~graphdiff.modes.reverse`: reverse mode, an adjoint for every node;
- :mod:`~graphdiff.modes.dual`: dual numbers, forward mode without a graph.
"""

from graphdiff.modes.dual import Dual
from graphdiff.modes.evaluate import evaluate
from graphdiff.modes.forward import ForwardResult, forward, forward_sweep
from graphdiff.modes.reverse import ReverseResult, reverse, reverse_sweep, tape

__all__ = ["evaluate", "forward", "forward_sweep", "ForwardResult", "reverse", "reverse_sweep", "tape",
           "ReverseResult", "Dual"]  # fmt: skip
