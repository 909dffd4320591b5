""" "How backpropagation works" reproduced: a 2-4-1 sigmoid network learns XOR by backpropagation.

The gradients come from graphdiff's reverse mode on the network's graph; at every step
they are checked against the seed's hand-derived delta rule (to 1e-10). Then the
predictions, and what forward mode would have cost for the same gradient.

Run:  python examples/xor_backprop.py   (the same as `graphdiff example xor`)
"""

import numpy as np

from graphdiff.builders import XOR_Y
from graphdiff.cli.examples import xor_report

result = xor_report(iterations=10_000, seed=0)
assert result["max_mismatch"] <= 1e-10
assert np.max(np.abs(result["predictions"] - XOR_Y.ravel())) < 0.1, "did not learn XOR"
