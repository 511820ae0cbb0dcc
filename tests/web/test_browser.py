"""The buyers' morning in a real browser: Debian's Chromium, driven by Playwright's Python API.

Playwright never downloads a browser here: it starts ``/usr/bin/chromium``
(``apt-get install chromium``; ``.ci/run`` does it). Without it the tests
skip, except in CI where they fail. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import csv
import io
import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from substitute.api.keys import create_key
from tests.web.conftest import make_app
from tests.web.planting import plant

CHROMIUM = Path(os.environ.get("SUBSTITUTE_CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "buyers"
LAPTOP = {"width": 1366, "height": 900}
TABLET = {"width": 820, "height": 1180}


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run must `apt-get install chromium`")
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def live(sqlite_engine, tmp_path, monkeypatch):
    """The app on a free local port, the planted retailer, two planted substitutes, a buyer key."""
    from substitute.api.state import state
    from tests.web.conftest import PLANTED_SUBS, FakeHolder

    plant(sqlite_engine, n_filler=300)
    app = make_app(sqlite_engine, tmp_path)
    state(app).parts["web.snapshot"] = FakeHolder(PLANTED_SUBS)
    monkeypatch.setattr(
        "substitute.recommend.service.recommend_substitutes", lambda snapshot, sku, store, k=5: PLANTED_SUBS
    )
    key, _ = create_key(sqlite_engine, "Taro (buyer)", ["buyer"])
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", key
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


@pytest.fixture
def page(browser, live):
    base, key = live
    context = browser.new_context(viewport=LAPTOP, accept_downloads=True)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.goto(base + "/buyers/risks")
    pg.fill("#key", key)
    pg.click("button[type=submit]")
    pg.wait_for_url("**/buyers/risks")
    yield pg, base
    context.close()
    # A blocked inline style or script would show up here as a CSP violation.
    assert not errors, errors


def shot(pg, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    pg.screenshot(path=str(path), full_page=True)
    return path


def test_morning_round_sign_in_filter_detail_chart_plan_export(page):
    pg, base = page
    assert "Data as of 2026-07-20" in pg.inner_text("#banner")
    assert "failed" in pg.inner_text("#banner")
    shot(pg, "01-risk-list-laptop")

    # filter: store S1, at least 50% risk before the delivery
    pg.select_option("#f-store", "S1")
    pg.select_option("#f-risk", "50")
    pg.click(".filters button[type=submit]")
    pg.wait_for_url("**store=S1**")
    rows = pg.locator("#risk-table tbody tr")
    assert rows.count() == 2
    assert "Teva Hurricane" in rows.nth(0).inner_text()
    shot(pg, "02-risk-list-filtered")

    # open the detail page; the chart is drawn with bars, bands and the stock line
    pg.click("#risk-table tbody tr >> nth=0 >> a.item-link")
    pg.wait_for_url("**/buyers/items/S1/TEV-HUR-BLK-260")
    chart = pg.locator("svg.chart")
    box = chart.bounding_box()
    assert box is not None and box["width"] > 600 and box["height"] > 250
    assert pg.locator("svg.chart rect.sales-bar").count() >= 50
    assert pg.locator("svg.chart .band-90").count() == 1
    assert pg.locator("svg.chart .projected-stock").count() == 1
    assert pg.locator("svg.chart .sellout-day").count() == 1
    assert "yes, 3 spare" in pg.inner_text("#substitutes")
    # the review's <script> is text, and it never ran
    assert "<script>alert('x')</script>" in pg.inner_text("#loyalty")

    # record a plan: reorder 12
    pg.select_option("#plan-type", "reorder")
    pg.fill("#plan-quantity", "12")
    pg.click("#save-plan")
    pg.wait_for_url("**#actions")
    assert "plan: reorder 12 units by Taro (buyer)" in pg.inner_text("#actions-log")
    shot(pg, "03-item-detail-laptop")

    # the next buyer sees it on the list; export the list
    pg.goto(base + "/buyers/risks?store=S1&risk=50")
    assert "plan: reorder 12 units" in pg.inner_text("#risk-table")
    with pg.expect_download() as info:
        pg.click("#export")
    download = info.value
    text = Path(download.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["sku"] for r in rows] == ["TEV-HUR-BLK-260", "GETA-1"]
    assert rows[0]["last_action"].startswith("plan: reorder 12 units by Taro (buyer)")


def test_paging_and_search(page):
    pg, _ = page
    assert "page 1 of 13" in pg.inner_text(".pager")  # 606 rows, 50 a page
    pg.click("a[rel=next]")
    pg.wait_for_url("**page=2**")
    assert "page 2 of 13" in pg.inner_text(".pager")
    pg.fill("#f-q", "hurricane")
    pg.click(".filters button[type=submit]")
    pg.wait_for_url("**q=hurricane**")
    assert pg.locator("#risk-table tbody tr").count() == 2


def test_readable_on_a_tablet(browser, live):
    base, key = live
    context = browser.new_context(viewport=TABLET)
    pg = context.new_page()
    pg.goto(base + "/buyers/signin")
    pg.fill("#key", key)
    pg.click("button[type=submit]")
    pg.wait_for_url("**/buyers/risks")
    # nothing wider than the screen except inside the scrolling table
    assert pg.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]
    shot(pg, "04-risk-list-tablet")
    pg.goto(base + "/buyers/items/S1/TEV-HUR-BLK-260")
    assert pg.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]
    box = pg.locator("svg.chart").bounding_box()
    assert box is not None and box["width"] <= TABLET["width"]
    shot(pg, "05-item-detail-tablet")
    pg.goto(base + "/buyers/success")
    shot(pg, "06-success-tablet")
    context.close()
