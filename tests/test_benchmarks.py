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
