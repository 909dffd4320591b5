"""Fixtures for every test and doctest: tests/ and the package's docstrings alike."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def compile_from_the_second_call(monkeypatch):
    """Generated code from the COMPILE_AFTER-th call of a kind on, as a test can count on.

    Users get tiering (compiled once interpreting has cost about what generating will);
    tests/test_codegen.py tests that decision itself with TIERED on.
    """
    from graphdiff.compiler import codegen

    monkeypatch.setattr(codegen, "TIERED", False)
