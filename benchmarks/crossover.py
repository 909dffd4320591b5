"""Regenerate the README's forward/reverse crossover table from the harness.

python benchmarks/crossover.py            # print the table
python benchmarks/crossover.py --write    # and replace the README's crossover block
"""

from __future__ import annotations

import argparse

from readme_block import provenance, write_block

from graphdiff.cli.suites import crossover, render_crossover


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--write", action="store_true", help="replace the README's crossover block")
    args = parser.parse_args()
    text = "```text\n" + render_crossover(crossover(total=24, hidden=8)) + "\n```\n" + provenance() + "\n"
    print(text)
    if args.write:
        write_block("crossover", text)


if __name__ == "__main__":
    main()
