"""Regenerate the README's operation-count tables from the harness.

python benchmarks/opcounts.py            # print the tables (markdown)
python benchmarks/opcounts.py --write    # and replace the README's opcounts block
"""

from __future__ import annotations

import argparse

from readme_block import provenance, write_block

from graphdiff.cli.suites import render, run_suite

SUITE = [("speelpenning", [100, 1000]), ("fan_out", [10]), ("mlp", [4])]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--write", action="store_true", help="replace the README's opcounts block")
    args = parser.parse_args()
    rows = []
    for family, sizes in SUITE:
        rows += run_suite([family], sizes)
    text = "```text\n" + render(rows) + "\n```\n" + provenance() + "\n"
    print(text)
    if args.write:
        write_block("opcounts", text)


if __name__ == "__main__":
    main()
