"""graphdiff against micrograd, PyTorch, autograd and JAX on the same scalar graphs, in one run.

    python benchmarks/peers.py --size 10000             # the random DAG of 10^4 nodes
    python benchmarks/peers.py --graph product --size 1000
    python benchmarks/peers.py --write                  # also replace the README's peers block (the
                                                        # product's is in docs/performance.md)

Peers are optional: pip install micrograd autograd jax torch==2.13.0 (the CPU build here).
"""

from __future__ import annotations

import argparse
import sys

from readme_block import PERFORMANCE, README, provenance, write_block

from graphdiff.cli.peers import ratios, render_peers, run_peers


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--graph", choices=["dag", "product"], default="dag")
    parser.add_argument(
        "--size", type=int, default=10_000, help="DAG nodes, or product inputs (default 10000)"
    )
    parser.add_argument(
        "--limit", type=float, default=60.0, help="seconds per case before it is stopped (default 60)"
    )
    parser.add_argument("--write", action="store_true", help="replace the README's peers block")
    args = parser.parse_args()
    show = (lambda m: print(m, file=sys.stderr)) if sys.stderr.isatty() else None
    run = run_peers(args.graph, args.size, args.limit, progress=show)
    text = render_peers(run) + "\n\n" + "\n".join(ratios(run))
    print(text)
    if args.write:  # the DAG's block is in the README, the product's in docs/performance.md
        where = README if args.graph == "dag" else PERFORMANCE
        write_block(f"peers-{args.graph}", "```text\n" + text + "\n```\n" + provenance() + "\n", where)


if __name__ == "__main__":
    main()
