"""Replace a generated block of README.md, between <!-- NAME --> and <!-- /NAME --> markers."""

from __future__ import annotations

import platform
import re
import time
from pathlib import Path

import numpy as np

README = Path(__file__).resolve().parents[1] / "README.md"
PERFORMANCE = Path(__file__).resolve().parents[1] / "docs" / "performance.md"


def provenance() -> str:
    """One line saying when, where and with what a table was measured."""
    import graphdiff

    return (
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()} ({platform.processor() or 'cpu'}), "
        f"Python {platform.python_version()}, numpy {np.__version__}, graphdiff {graphdiff.__version__}."
    )


def write_block(name: str, text: str, path: Path = README) -> None:
    """Replace the block ``name`` of ``path`` (README.md unless told) with ``text``."""
    source = path.read_text()
    pattern = re.compile(rf"(<!-- {name} -->\n).*?(<!-- /{name} -->)", flags=re.S)
    if not pattern.search(source):
        raise SystemExit(f"{path.name} has no <!-- {name} --> ... <!-- /{name} --> block")
    path.write_text(pattern.sub(lambda m: m.group(1) + text.rstrip("\n") + "\n" + m.group(2), source))
    print(f"updated the {name} block of {path}")
