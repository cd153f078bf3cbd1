"""Every card side in a real headless Chromium: phone and desktop, day and night.

Needs Debian's ``chromium``; without it these tests skip with a reason locally and fail under
CI (``CI=true``), where ``.ci/run`` installs it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import REPO, SHIPPED_CARDS

from flashgen.preview import preview

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip

MEASURE = (Path(__file__).parent / "measure_card_sides.js").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        reason = (
            "Debian's chromium is not installed (apt-get install chromium): browser tests skipped"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def page_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("preview") / "preview.html"
    path.write_text(preview(SHIPPED_CARDS).page, encoding="utf-8")
    return path


VIEWPORTS = {"phone": (390, 844), "desktop": (1280, 800)}


@pytest.mark.parametrize("night", [False, True], ids=["day", "night"])
@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_every_card_side_reads_well(browser, page_path, viewport, night):
    width, height = VIEWPORTS[viewport]
    page = browser.new_page(viewport={"width": width, "height": height})
    try:
        page.goto(page_path.as_uri())
        if night:
            page.click("#fg-night")
            assert "nightMode" in page.evaluate("document.body.className")
        measured = page.evaluate(MEASURE)
        assert measured["pageOverflow"] <= 0, "the page scrolls sideways"
        sides = measured["results"]
        assert len(sides) > 300
        for side in sides:
            where = f"{side['card']} {side['side']} ({viewport}, {'night' if night else 'day'})"
            assert side["problems"] == [], where
            assert side["minFont"] >= 16, f"{where}: text at {side['minFont']}px"
            assert side["minContrast"] >= 4.5, f"{where}: contrast {side['minContrast']:.2f}"
        if viewport == "phone":
            shots = REPO / "build" / "screenshots"
            shots.mkdir(parents=True, exist_ok=True)
            mode = "night" if night else "day"
            for card in ("soleus-location/1", "quadriceps-heads/1", "picture-point-soleus/1"):
                element = page.locator(f'article[id="{card}"]')
                element.screenshot(path=str(shots / f"{card.replace('/', '-')}-{mode}.png"))
    finally:
        page.close()


def test_search_filters_as_you_type(browser, page_path):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    try:
        page.goto(page_path.as_uri())
        total = page.locator(".fg-note").count()
        page.fill("#fg-search", "soleus")
        visible = page.locator(".fg-note:not([hidden])")
        assert 0 < visible.count() < total
        for text in visible.all_inner_texts():
            assert "soleus" in text.lower()
        notes = {visible.nth(i).get_attribute("data-note") for i in range(visible.count())}
        assert page.inner_text("#fg-count") == f"{len(notes)} notes, {visible.count()} cards"
        page.fill("#fg-search", "")
        all_notes = {a.get_attribute("data-note") for a in page.locator(".fg-note").all()}
        assert len(all_notes) < total  # cloze notes have several cards
        assert page.inner_text("#fg-count") == f"{len(all_notes)} notes, {total} cards"
        page.fill("#fg-search", "")
        assert page.locator(".fg-note:not([hidden])").count() == total
    finally:
        page.close()


def test_cards_render_in_an_anki_like_night_body(browser, tmp_path):
    """AnkiDroid and AnkiMobile put the card class and nightMode on <body> itself."""
    side = preview(SHIPPED_CARDS).page.split('data-side="back"', 1)[1].split("<!--/side-->")[0]
    content = side.split(">", 1)[1].rsplit("</div>", 1)[0]
    from flashgen.notetypes import CSS

    page_html = (
        '<html class="mobile android"><head><meta name="viewport" content="width=device-width">'
        f'<style>{CSS}</style></head><body class="card nightMode night_mode">{content}</body>'
        "</html>"
    )
    path = Path(tmp_path) / "anki-like.html"
    path.write_text(page_html, encoding="utf-8")
    page = browser.new_page(viewport={"width": 390, "height": 844})
    try:
        page.goto(path.as_uri())
        colors = page.evaluate(
            "() => [getComputedStyle(document.body).backgroundColor, "
            "getComputedStyle(document.querySelector('.fg-answer')).color]"
        )
        assert colors == ["rgb(28, 28, 30)", "rgb(236, 236, 236)"]
    finally:
        page.close()
