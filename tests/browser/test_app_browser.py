"""The educator app in a real browser: Debian's Chromium driven by Playwright.

The browser is the system's (/usr/bin/chromium, or $REFSIM_CHROMIUM), never one that
Playwright downloads. When it cannot be started the test fails and says why: a
skipped browser test would hide a broken classroom app.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = Path(os.environ.get("REFSIM_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
#: Generous waits: the machine may be busy; a healthy page needs a fraction of each.
PAGE_TIMEOUT_MS = 30_000


def number(text: str) -> int:
    return int(re.sub(r"[^0-9]", "", text))


def day_shown(page) -> int:
    return int(re.search(r"Day (\d+)", page.inner_text(".refsim-day")).group(1))


def launch_chromium(playwright):
    if not CHROMIUM.exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: install Debian's package (apt-get install chromium) "
                    f"or point REFSIM_CHROMIUM at a Chromium binary", pytrace=False)
    try:
        return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    except Exception as error:  # the message of a failed launch is the useful part
        pytest.fail(f"cannot start Chromium at {CHROMIUM}: {str(error).splitlines()[0]}", pytrace=False)


@pytest.mark.timeout(180)
def test_app_plays_a_design_offline(app_url, tmp_path):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright for Python is missing: pip install -e '.[test]'", pytrace=False)

    requests, failures = [], []
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1100})
            page.set_default_timeout(PAGE_TIMEOUT_MS)
            page.on("request", lambda request: requests.append(request.url))
            page.on("websocket", lambda socket: requests.append(socket.url))
            page.on("response", lambda response: response.status >= 400 and failures.append(f"{response.status} {response.url}"))
            page.on("requestfailed", lambda request: failures.append(f"failed {request.url}")
                    if not request.url.startswith(("blob:", "data:")) else None)

            started = time.perf_counter()
            page.goto(app_url)
            page.wait_for_function("() => [...document.querySelectorAll('.refsim-panel img')]"
                                   ".filter(img => img.complete && img.naturalWidth > 0).length == 4")
            print(f"page ready in {time.perf_counter() - started:.2f} s")

            # a control: design A pays only the referrer; the page rebuilds the run with it
            page.click(".refsim-incentive-single_sided")
            page.wait_for_function("() => document.querySelector('.refsim-panel').innerText.includes('single-sided 10')")
            assert day_shown(page) == 0
            adopters_before = number(page.inner_text(".refsim-adopters-A"))
            network_before = page.get_attribute(".refsim-network-A img, img.refsim-network-A", "src")

            page.click(".refsim-play")
            page.wait_for_function(f"() => parseInt(document.querySelector('.refsim-adopters-A').innerText) > {adopters_before}"
                                   " && /Day ([4-9]\\d|\\d{3})/.test(document.querySelector('.refsim-day').innerText)")
            playing = page.inner_text(".refsim-day")
            print(f"while playing: {playing}")
            page.click(".refsim-play")  # pause
            paused_on = day_shown(page)
            time.sleep(0.6)
            assert day_shown(page) <= paused_on + 2, "the run kept going after Pause"

            adopters_after = number(page.inner_text(".refsim-adopters-A"))
            assert adopters_after > adopters_before
            # adopters = organic + initial + referred, as the page shows them
            assert adopters_after == (number(page.inner_text(".refsim-organic-A"))
                                      + number(page.inner_text(".refsim-referred-A")))
            images = page.eval_on_selector_all(".refsim-panel img", "imgs => imgs.map(img => [img.naturalWidth, img.src])")
            assert len(images) == 4 and all(width > 100 for width, _ in images)
            assert page.get_attribute(".refsim-network-A img, img.refsim-network-A", "src") != network_before, \
                "the network picture did not change while playing"
            page.screenshot(path=str(tmp_path / "app.png"), full_page=True)

            shown = day_shown(page)
            page.click(".refsim-step")
            page.wait_for_function(f"() => document.querySelector('.refsim-day').innerText.startsWith('Day {shown + 1} ')")
            page.click(".refsim-reset")
            page.wait_for_function("() => document.querySelector('.refsim-day').innerText.startsWith('Day 0 ')")
        finally:
            browser.close()

    outside = [url for url in requests if urlparse(url).scheme not in ("blob", "data")
               and urlparse(url).hostname not in LOCAL_HOSTS]
    assert not outside, f"the page reached beyond localhost: {outside[:5]}"
    assert not failures, f"requests that failed (an asset missing offline?): {failures[:5]}"
