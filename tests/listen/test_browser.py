"""A rater in a real browser (Playwright driving the system Chromium, as `crawl --render js` does): opens
the link, cannot rate a song before playing it, plays and rates every trial, and finishes; the answers
then appear in the report."""

from __future__ import annotations

import json
import shutil

import pytest

from crossmusim.listen.raters import invite
from crossmusim.listen.report import write_report
from crossmusim.listen.server import running


@pytest.mark.browser
@pytest.mark.slow  # a real Chromium through eight trials (10-20 s)
def test_a_rater_plays_and_rates_every_trial_in_chromium_and_the_report_has_the_answers(study, tmp_path):
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("no system Chromium (scripts/setup.sh installs it)")
    playwright = pytest.importorskip("playwright.sync_api")
    with running(study) as base, playwright.sync_playwright() as driver:
        (rater,) = invite(study, 1, base)
        flags = ["--no-sandbox", "--autoplay-policy=no-user-gesture-required"]
        browser = driver.chromium.launch(executable_path=chromium, headless=True, args=flags)
        page = browser.new_page(viewport={"width": 1000, "height": 1400})
        page.goto(rater["link"])
        trials = 0
        while True:
            page.wait_for_selector("#submit, #finished:not([hidden])")
            if page.is_visible("#finished"):
                break
            if trials == 0:
                page.screenshot(path=str(tmp_path / "trial.png"), full_page=True)
            cards = page.locator(".item")
            assert cards.count() >= 1
            first = cards.nth(0).locator("input").first
            assert first.is_disabled()  # not playable-then-rated yet
            query = page.locator(".query audio").get_attribute("src")
            for n in range(cards.count()):
                card = cards.nth(n)
                value = (
                    5 if card.locator("audio").get_attribute("src") == query else 2 + (n + trials) % 3
                )  # a hearing rater
                card.locator("audio").evaluate("audio => audio.play()")
                card.locator("input").first.wait_for(state="attached")
                page.wait_for_function(f"!document.querySelectorAll('.item')[{n}].classList.contains('locked')")
                for criterion in ("musical", "acoustic", "overall"):
                    card.locator(f"input[name$='-{criterion}'][value='{value}']").check()
            done_before = page.inner_text("#count")
            page.click("#submit")
            page.wait_for_function(f"document.querySelector('#count').textContent !== {json.dumps(done_before)}")
            trials += 1
        assert "8 of 8 trials done" in page.inner_text("#count")
        browser.close()
    assert trials == 8 and (tmp_path / "trial.png").read_bytes()[:4] == b"\x89PNG"
    summary = write_report(study, tmp_path / "report", draws=200)
    assert summary["raters"] == 1 and summary["answers"] > 8 and summary["played_share"] == 1.0
    assert summary["screened"] == []  # the query itself rated 5, the rest 2 to 4: the checks pass
    assert set(summary["systems"]) == {"crossmusim:run", "random", "dsp"}
