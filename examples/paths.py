"""The path sums of "Calculus on Computational Graphs": 9 products of edge partials against one product of sums, and their growth.

Run:  python examples/paths.py   (the same as `graphdiff example paths`)
"""

import graphdiff as gd
from graphdiff.cli.examples import paths_report
from graphdiff.views.paths import paths

g = gd.builders.path_explosion(depth=2, width=3)
ps = paths(g, "x", "y2", [0.5])
assert len(ps.paths) == 9 and abs(ps.derivative - gd.grad(g)(0.5)[0]) < 1e-12
print(paths_report())
