"""The colours of every picture graphdiff makes, static or stepped: one meaning, one colour.

:mod:`graphdiff.views.draw` (PNG, SVG) and :mod:`graphdiff.views.show` (the step-through
page) both read these, so a tangent is the same blue on a slide and on the page.

>>> from graphdiff.views import style
>>> style.TANGENT != style.ADJOINT != style.PRIMAL
True
"""

from __future__ import annotations

__all__ = ["PRIMAL", "TANGENT", "ADJOINT", "PARTIAL", "FILL", "FADED", "FOCUS"]

PRIMAL = "#1a1a1a"
"""Primal values: what the evaluation computes."""
TANGENT = "#0b5394"
"""Tangents d(node)/d(seed): forward mode."""
ADJOINT = "#7b2a8c"
"""Adjoints d(output)/d(node): reverse mode."""
PARTIAL = "#a61c00"
"""Local partials d(head)/d(tail), the labels on edges."""
FILL = {"input": "#cfe2f3", "op": "#fff2cc", "const": "#eeeeee"}
"""Box fills by node kind."""
FADED = "#9a9a9a"
"""Structural zeros and constants: drawn, never computed."""
FOCUS = "#e69138"
"""The node or edge of the current step on the page."""
