"""Regenerate the README's pictures (docs/*.png) and its worked-example output blocks.

python benchmarks/figures.py            # write docs/colah.png, fwd.png and rev.png, print the blocks
python benchmarks/figures.py --write    # and replace the README's colah and paths blocks
"""

from __future__ import annotations

import argparse
from pathlib import Path

from readme_block import write_block

import graphdiff as gd
from graphdiff.cli.examples import COLAH_INPUTS, colah_report, paths_report
from graphdiff.views.report import render_sweeps

DOCS = Path(__file__).resolve().parents[1] / "docs"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--write", action="store_true", help="replace the README's colah and paths blocks")
    args = parser.parse_args()
    DOCS.mkdir(exist_ok=True)
    colah = gd.builders.colah()
    gd.draw(colah, COLAH_INPUTS, path=DOCS / "colah.png")
    gd.draw(colah, COLAH_INPUTS, forward="b", path=DOCS / "fwd.png")
    gd.draw(colah, COLAH_INPUTS, reverse=True, path=DOCS / "rev.png")
    print(f"wrote {DOCS / 'colah.png'}, {DOCS / 'fwd.png'} and {DOCS / 'rev.png'}")
    blocks = {
        "colah": "```text\n" + render_sweeps(colah_report()) + "\n```\n",
        "paths": "```text\n" + paths_report() + "\n```\n",
    }
    for name, text in blocks.items():
        print(text)
        if args.write:
            write_block(name, text)


if __name__ == "__main__":
    main()
