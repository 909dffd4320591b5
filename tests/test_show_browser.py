"""The step-through page in a real browser: headless Chromium driven by Playwright.

These tests need the ``playwright`` package (the ``test`` extra) and Debian's ``chromium``
at /usr/bin/chromium (``apt-get install chromium``; Playwright's own browsers are not
used). Where either is missing they FAIL, saying how to install it: a page nobody opened
is not a tested page. ``GRAPHDIFF_NO_BROWSER=1`` skips them instead, loudly.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pytest

import graphdiff as gd
from graphdiff import builders
from graphdiff.views.show import SHOWN_ORDERS, show

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
COLAH = {"a": 2.0, "b": 1.0}


def _no_browser(reason: str) -> None:
    if os.environ.get("GRAPHDIFF_NO_BROWSER") == "1":
        pytest.skip(f"BROWSER TESTS NOT RUN (GRAPHDIFF_NO_BROWSER=1): {reason}")
    pytest.fail(
        f"the page's browser tests cannot run: {reason}. Install them with "
        "`apt-get install -y chromium` (as root) and `pip install '.[test]'` (Playwright; do not run "
        "`playwright install`: the system chromium is used), or set GRAPHDIFF_NO_BROWSER=1 to skip them.",
        pytrace=False,
    )


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _no_browser("the Python package playwright is not installed")
    if not Path(CHROMIUM).exists():
        _no_browser(f"no browser at {CHROMIUM}")
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def colah_file(tmp_path_factory) -> Path:
    return show(builders.colah(), COLAH).save(tmp_path_factory.mktemp("page") / "colah.html")


class Opened:
    """A page opened from a file, with every request and every console message or error it caused."""

    def __init__(self, browser, path: Path, size=(1400, 900)) -> None:
        self.context = browser.new_context(viewport={"width": size[0], "height": size[1]}, offline=True)
        self.url = path.resolve().as_uri()
        self.requests, self.console, self.errors = [], [], []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(self.url)

    def _route(self, route) -> None:
        if route.request.url == self.url:
            route.continue_()
        else:
            route.abort()

    def tab(self, key: str) -> None:
        self.page.click(f'#gd-tabs button[data-view="{key}"]')

    def mark(self, node: str) -> str:
        return self.page.text_content(f'[data-node="{node}"] text.mark')

    def counter(self) -> str:
        return self.page.text_content("#gd-counter")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def colah(browser, colah_file):
    opened = Opened(browser, colah_file)
    yield opened
    opened.close()


def _distinct_colours(png: bytes) -> int:
    from matplotlib import image

    pixels = image.imread(io.BytesIO(png), format="png")
    channels = (pixels.reshape(-1, pixels.shape[-1])[::7] * 255).astype(np.uint32)  # every 7th pixel
    packed = sum(channels[:, k] << (8 * k) for k in range(channels.shape[1]))
    return len(np.unique(packed))


def test_the_page_loads_without_console_errors_and_requests_nothing_but_itself(colah):
    assert colah.errors == [] and [m for m in colah.console if m.startswith("error")] == []
    for key in ("forward", "reverse", "backward", "paths", "elimination"):
        colah.tab(key)
        colah.page.keyboard.press("End")
    assert colah.errors == [] and colah.console == []
    assert colah.requests == [colah.url]


def test_stepping_the_reverse_sweep_shows_the_adjoints_of_seed_001(colah):
    colah.tab("reverse")
    assert colah.counter() == "step 0 of 6" and "not started" in colah.page.text_content("#gd-banner")
    assert colah.mark("original/c") == ""  # no adjoint before its step
    for _ in range(3):
        colah.page.keyboard.press("ArrowRight")
    banner = colah.page.text_content("#gd-banner")
    assert banner == "reverse sweep seeded at e: adjoints de/d· shown up to step 3 of 6"
    assert colah.mark("original/d") == "de/dd = 3" and colah.mark("original/b") == ""
    assert "focus" in colah.page.get_attribute('[data-node="original/d"]', "class")
    for _ in range(2):
        colah.page.click("#gd-next")
    assert colah.mark("original/b") == "de/db = 3"  # the first of the two edges into b
    colah.page.keyboard.press("ArrowRight")
    assert colah.page.text_content("#gd-text") == "de/db += 2 · 1"
    assert {n: colah.mark(f"original/{n}") for n in "cdab"} == {
        "c": "de/dc = 2", "d": "de/dd = 3", "a": "de/da = 2", "b": "de/db = 5"
    }  # fmt: skip
    assert colah.counter() == "step 6 of 6" and colah.page.is_disabled("#gd-next")
    colah.page.keyboard.press("ArrowLeft")
    assert colah.mark("original/b") == "de/db = 3"


def test_the_forward_sweep_seeded_at_b_fades_a_and_never_computes_it(colah):
    colah.page.select_option("#gd-choice", label="b")
    for _ in range(4):
        colah.page.keyboard.press("ArrowRight")
    assert colah.mark("original/e") == "de/db = 5" and colah.mark("original/c") == "dc/db = 1"
    assert "faded" in colah.page.get_attribute('[data-node="original/a"]', "class")
    assert colah.mark("original/a") == ""
    assert "forward sweep seeded at b: done, step 4 of 4" in colah.page.text_content("#gd-banner")


def test_the_backward_program_outlines_what_it_reads_from_the_evaluation(colah):
    colah.tab("backward")
    assert colah.page.locator("svg.diagram").count() == 2  # the original beside the backward program
    for _ in range(4):  # e_bar, c, d, then d_bar = e_bar · c
        colah.page.keyboard.press("ArrowRight")
    assert colah.page.text_content("#gd-text") == "d_bar = 1 · 3"
    assert "reads" in colah.page.get_attribute('[data-node="original/c"]', "class")
    colah.page.keyboard.press("End")
    assert colah.mark("backward/b_bar") == "= 5" and colah.mark("backward/c_bar") == "= 2"


@pytest.mark.parametrize("order", SHOWN_ORDERS)
def test_the_elimination_views_final_count_is_eliminates(colah, order):
    colah.tab("elimination")
    colah.page.select_option("#gd-choice", label=order)
    colah.page.keyboard.press("End")
    expected = gd.eliminate(builders.colah(), [2.0, 1.0], order=order, iterations=200, seed=0)
    shown = colah.page.text_content("#gd-counts")
    assert shown == f"{expected.multiplications} multiplications, {expected.additions} addition"
    assert colah.page.text_content("#gd-text") == "de/da = 2, de/db = 5"


def test_the_path_sum_of_seed_001_counts_both_ways(browser, tmp_path):
    path = show(builders.path_explosion(2, 3), [0.5], views=["paths"]).save(tmp_path / "paths.html")
    opened = Opened(browser, path)
    try:
        for _ in range(9):
            opened.page.keyboard.press("ArrowRight")
        assert opened.page.text_content("#gd-counts") == "39 multiplications, 8 additions"
        for _ in range(4):
            opened.page.keyboard.press("ArrowRight")
        assert opened.page.text_content("#gd-formula") == "dy2/dx = (α + β + γ)(δ + ε + ζ)"
        assert opened.page.text_content("#gd-counts") == "11 multiplications, 4 additions"
        assert opened.errors == []
    finally:
        opened.close()


def test_every_view_draws_a_picture(colah, tmp_path):
    for key in ("forward", "reverse", "backward", "paths", "elimination"):
        colah.tab(key)
        for _ in range(3):
            colah.page.keyboard.press("ArrowRight")
        png = colah.page.screenshot(path=str(tmp_path / f"{key}.png"))
        assert _distinct_colours(png) > 30, key


def test_a_500_node_page_lists_its_steps_without_errors(browser, tmp_path):
    g = builders.random_dag(500)
    point = np.random.default_rng(0).uniform(0.2, 0.9, len(g.inputs)).tolist()
    opened = Opened(browser, show(g, point, iterations=20).save(tmp_path / "big.html"))
    try:
        opened.tab("reverse")
        opened.page.keyboard.press("End")
        assert opened.page.locator("#gd-history li").count() == int(opened.counter().split()[3])
        assert "More than 60 nodes to draw" in opened.page.text_content("#gd-pictures")
        assert opened.errors == [] and opened.requests == [opened.url]
    finally:
        opened.close()


def test_a_page_with_infinities_and_arrays_loads_and_steps(browser, tmp_path):
    # 1 / x at x = 0: inf and nan in the values; Python's json would write NaN, which JSON.parse refuses
    with np.errstate(divide="ignore", invalid="ignore"):
        pages = {
            "singular": show(lambda x: 1.0 / x * x, [0.0]),
            "array_output": show(lambda x: x * 2.0, [np.ones(3)]),
        }
    for name, page in pages.items():
        opened = Opened(browser, page.save(tmp_path / f"{name}.html"))
        try:
            assert "NaN" not in page.html and "Infinity" not in page.html
            assert opened.errors == [], (name, opened.errors)
            opened.tab("reverse")
            opened.page.keyboard.press("End")
            assert opened.errors == [] and "done" in opened.page.text_content("#gd-banner")
        finally:
            opened.close()
