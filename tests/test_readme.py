"""The README is true: its Python blocks run, its commands work, its generated blocks are current."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from graphdiff.cli import main

README = Path(__file__).resolve().parents[1] / "README.md"
TEXT = README.read_text()
PYTHON_BLOCKS = re.findall(r"```python\n(.*?)```", TEXT, flags=re.S)
SETUP = {m for m in re.findall(r"<!-- setup:\w+ -->\n```bash\n(.*?)```", TEXT, flags=re.S)}
COMMANDS = [
    line.strip()
    for block in re.findall(r"```bash\n(.*?)```", TEXT, flags=re.S)
    if block not in SETUP
    for line in block.splitlines()
    if line.strip().startswith("graphdiff ")
]


def test_readme_has_blocks_and_commands():
    assert PYTHON_BLOCKS and COMMANDS and len(SETUP) == 2


@pytest.mark.parametrize("block", PYTHON_BLOCKS, ids=[f"block{k}" for k in range(len(PYTHON_BLOCKS))])
def test_python_block_runs(block):
    exec(compile(block, str(README), "exec"), {})


@pytest.mark.parametrize("command", COMMANDS)
def test_command_runs(command, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "docs").mkdir()
    argv = shlex.split(command)[1:]
    assert main(argv) == 0
    for i, word in enumerate(argv[:-1]):
        if word == "-o":
            assert (tmp_path / argv[i + 1]).stat().st_size > 1000


def generated(name: str) -> str:
    match = re.search(rf"<!-- {name} -->\n```text\n(.*?)\n```", TEXT, flags=re.S)
    assert match, f"README has no generated {name} block"
    return match.group(1)


def test_colah_block_is_current():
    from graphdiff.examples import colah_report
    from graphdiff.report import render_sweeps

    assert generated("colah") == render_sweeps(colah_report())


def test_paths_block_is_current():
    from graphdiff.examples import paths_report

    assert generated("paths") == paths_report()
