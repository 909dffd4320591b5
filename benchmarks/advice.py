"""How often the counted prediction picks the measured-fastest method: ``gd.advise`` on every
builder family at its default sizes, every method timed.

    python benchmarks/advice.py

For each graph: the method with the fewest operations counted, the fastest measured (all
methods timed as generated code, or interpreted for arrays), and whether they agree.
"""

from __future__ import annotations

from tabulate import tabulate

import graphdiff as gd
from graphdiff.cli.suites import FAMILIES, random_point


def main() -> None:
    rows, agree = [], 0
    for name, family in FAMILIES.items():
        if name == "classifier":  # 203,530 inputs: forward mode alone would take minutes
            continue
        for size in family.sizes:
            g = family.build(size)
            advice = gd.advise(g, *random_point(g, (0.1, 0.9)), measure=99, budget=1.0)
            predicted, fastest = advice.predicted, advice.recommended
            same = predicted.method == fastest.method
            agree += same
            ratio = predicted.seconds / fastest.seconds
            rows.append(
                [f"{name} {size}", predicted.method, fastest.method, "yes" if same else f"no ({ratio:.2f}x)"]
            )
    print("The counted prediction against the measured fastest, every method timed")
    print(tabulate(rows, ["graph", "fewest ops", "fastest measured", "agree (else: predicted / fastest)"]))
    print(f"\nagree on {agree} of {len(rows)} graphs (measured in this run)")


if __name__ == "__main__":
    main()
