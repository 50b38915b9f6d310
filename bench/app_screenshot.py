"""The picture of docs/app.md: ``refsim app`` as it opens (scenarios/fading.yaml), on a
1280x720 projector, designs A and B, played at x5 to about day 120 and paused.

    python bench/app_screenshot.py            # writes docs/img/app-projector.png

Serves the app on a free localhost port, drives the system Chromium (/usr/bin/chromium
or $REFSIM_CHROMIUM) with Playwright, and writes the picture to a temporary file that
is then renamed into place. The day it pauses on moves by a day or two with the
machine's speed; the run itself is the preset's seed, so its people and its story are
the same every time. No test runs this.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "img" / "app-projector.png"
CHROMIUM = os.environ.get("REFSIM_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
PROJECTOR = {"width": 1280, "height": 720}
TIMEOUT_MS = 120_000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, server: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"refsim app exited with code {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.25)
    raise SystemExit(f"refsim app did not answer on {url} within {seconds:.0f} s")


def day_shown(page) -> int:
    return int(re.search(r"Day (\d+)", page.inner_text(".refsim-day")).group(1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write docs/img/app-projector.png from the running app.")
    parser.add_argument("--day", type=int, default=120, help="pause once this day is shown (default 120)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    server = subprocess.Popen([sys.executable, "-m", "simulator.cli", "app", "--port", str(port)], cwd=ROOT,
                              env=dict(os.environ, PYTHONPATH=str(ROOT)), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for(url, server)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_context(viewport=PROJECTOR).new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(url)
            page.wait_for_selector(".refsim-network-A canvas")
            page.wait_for_selector(".refsim-panel-B")
            page.click(".refsim-speed-5_0")
            page.click(".refsim-play")
            page.wait_for_function(
                f"() => {{ const m = /Day (\\d+)/.exec(document.querySelector('.refsim-day').innerText);"
                f" return m && parseInt(m[1]) >= {args.day}; }}")
            page.click(".refsim-play")
            page.wait_for_function("() => /paused/.test(document.querySelector('.refsim-day').innerText)")
            page.wait_for_timeout(1500)  # the charts' last redraw
            with tempfile.NamedTemporaryFile(dir=args.out.parent, suffix=".png", delete=False) as partial:
                page.screenshot(path=partial.name)
            os.replace(partial.name, args.out)
            print(f"{args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}: day {day_shown(page)}")
            browser.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
