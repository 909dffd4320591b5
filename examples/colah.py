"""The worked example of "Calculus on Computational Graphs", e = (a + b) * (b + 1) at a = 2, b = 1, in both modes.

Run:  python examples/colah.py   (prints the same tables as `graphdiff example colah`)
"""

import graphdiff as gd
from graphdiff.cli.examples import colah_report
from graphdiff.views.report import render_sweeps

g = gd.builders.colah()  # c = a + b, d = b + 1, e = c * d
assert g(a=2.0, b=1.0) == 6.0
assert gd.forward(g, {"a": 2.0, "b": 1.0}, seed="b").tangents["e"] == 5.0  # one input, every node
assert gd.reverse(g, {"a": 2.0, "b": 1.0}).adjoints["b"] == 5.0  # one output, every node
print(render_sweeps(colah_report()))
