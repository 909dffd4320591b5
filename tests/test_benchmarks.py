"""The benchmark scripts' own logic: how a measured ratio becomes a verdict."""

from __future__ import annotations

import argparse
import doctest
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import scale  # noqa: E402


def test_a_ratio_measured_several_times_reports_its_median_and_range():
    assert scale._ratio_text([3.0]) == "3.00"
    assert scale._ratio_text([3.2, 2.8, 2.9, 3.1]) == "3.00 (2.80-3.20)"  # the median of four
    assert scale._ratio_text([3.2, 3.05, 2.9]) == "3.05 (2.90-3.20)"


def test_sizes_and_repeats_below_one_are_refused_by_name():
    for text in ("0", "-2", "x", "1.5"):
        with pytest.raises(argparse.ArgumentTypeError, match=f"at least 1, got '{re.escape(text)}'"):
            scale._positive(text)
    assert scale._positive("10") == 10


def test_the_scale_script_examples_run():
    assert doctest.testmod(scale).failed == 0


def test_the_calls_benchmark_measures_a_sequence_that_ends_compiled(monkeypatch):
    """benchmarks/calls.py on a small DAG: interpreted calls, the one that compiles, later ones."""
    import calls

    from graphdiff.compiler import codegen

    monkeypatch.setattr(codegen, "TIERED", True)  # the benchmark measures what users get
    r = calls.one_size(300)
    assert r["compiled_at"] is not None and r["compiled_at"] >= codegen.COMPILE_AFTER
    assert r["later"] is not None and r["total"] > 0.0 and r["always"] > 0.0
    assert r["peak_after"] >= r["peak_before"] > 0.0
