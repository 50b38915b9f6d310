"""Many browser sessions playing the classroom app at once (Playwright, system Chromium).

Serves ``refsim app`` on a free localhost port (on a copy of scenarios/default.yaml whose
horizon is ``--days``, 3650 by default, so that no session finishes while the others
are still being opened), opens SESSIONS pages in one headless
Chromium (each its own browser context, as separate students would be), presses
Play at the chosen speed (default x1, 5 days a second) in all of them, and notes every
picture each page shows over SECONDS (more under load: reading 30 pages one by one takes
minutes, so each page is measured over its own interval, on its own clock). Reports, with
the machine's load average before and during:

- the cold load of the first page (fresh browser context, server already up), and
  the time until all the other pages, opened together, are ready;
- days per second per session (min, median, mean) as shown on screen and as the server
  played them, the pictures a second each page shows (the status line's updates; a busy
  server or browser skips pictures, not days) and how old the picture on screen is;
- the server's CPU time per simulated day (user + system time of the server
  process over the played days of all sessions; two designs per day at 300 people),
  in all and above what the server spends with the same pages open and paused (its
  event loop's ticks and the connections' pings, paid whether days play or not);
- the time from typing a new seed on the first page until the new run is shown.

    python bench/app_sessions.py                      # 30 sessions, 20 s at x1 (5 days/s)
    python bench/app_sessions.py --sessions 4 --write # and put the table in docs/app.md

``--write`` replaces the block between ``<!-- app-bench -->`` markers in docs/app.md
(written to a temporary file and renamed into place). It leaves docs/img/app-projector.png
alone: on the bench's ten-year horizon a few weeks show almost nobody joined. The browser is
/usr/bin/chromium or $REFSIM_CHROMIUM. No test runs this: it takes a minute or more.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "app.md"
CHROMIUM = os.environ.get("REFSIM_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        # headless Chromium otherwise starts, for every browser context, a renderer for its own
        # window's toolbar (about 1.5 s of CPU each): a student's browser has its window open
        # already, on the student's own laptop, so that cost is no part of the app's load
        "--disable-features=PreloadTopChromeWebUI,WebUIOmniboxPopup,WebUIOmniboxFullPopup,WebUIOmniboxAimPopup,"
        "WebUIReloadButton"]
SPEEDS = {"0.25": "0_25", "0.5": "0_5", "1": "1_0", "5": "5_0", "10": "10_0"}
#: Days a second at x1 (simulator.classroom.DAYS_PER_SECOND).
BASE_DAYS_PER_SECOND = 5.0
#: How long the bench waits for a page's speed and Play buttons before counting the
#: session as not started (under load a page may be reconnecting, its controls disabled).
PRESS_TIMEOUT_MS = 60_000
#: Seconds over which the server's CPU is measured with the pages open, before Play.
IDLE_SECONDS = 10.0
#: How long the bench tries to pause a page after the measure (the figures are taken).
PAUSE_TIMEOUT_MS = 10_000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc (clock ticks to seconds)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def browser_cpu_seconds(exclude: int) -> float:
    """CPU time (user + system) of this process's descendants, the server's process
    group ``exclude`` left out: the Playwright driver and every Chromium process."""
    parents, groups = {}, {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # gone meanwhile
                continue
            parents[int(entry.name)], groups[int(entry.name)] = int(fields[1]), int(fields[2])
    mine, total = {os.getpid()}, 0.0
    for pid in sorted(parents):  # children have larger ids, except after the ids wrap: walk up instead
        ancestor = pid
        while ancestor in parents and ancestor not in mine and ancestor > 1:
            ancestor = parents[ancestor]
        if ancestor in mine and pid != os.getpid() and groups[pid] != exclude:
            try:
                total += cpu_seconds(pid)
            except OSError:
                pass
    return total


#: Starts noting each change of a page's status line (window.refsimSeen: [the page's
#: clock in ms, day shown, when the server composed that day]) and returns [status line,
#: the page's clock in ms]: one call per page, stamped by the page itself, so a page read
#: late (under load, reading 30 pages one by one takes minutes) is measured over its own
#: interval, not the bench's.
START_READING = """() => {
    const status = document.querySelector('.refsim-day');
    const day = () => Number((status.innerText.match(/Day (\\d+)/) || [0, NaN])[1]);
    window.refsimSeen = [];
    new MutationObserver(() => { window.refsimSeen.push([Date.now(), day(), (window.refsimShown || {}).sent]); })
        .observe(status, {childList: true, subtree: true, characterData: true});
    return [status.innerText, Date.now()];
}"""
#: [status line, [[clock, day, sent], ...] since START_READING, the page's clock in ms].
END_READING = "() => [document.querySelector('.refsim-day').innerText, window.refsimSeen, Date.now()]"


def days_per_second(start: list, end: list) -> float:
    """A page's days a second: the slope of the day it showed against its clock, over every
    picture from its first read to its last. One read at each end would carry the
    page's lag behind the server at those two moments (seconds, under load); a
    least-squares line through all the pictures averages it out."""
    seen = [(start[1], day_in(start[0]))] + [(at, day) for at, day, _ in end[1] if _number(day)]
    seen.append((end[2], day_in(end[0])))
    return _slope(seen)


def served_per_second(end: list) -> float:
    """The server's days a second for a page: the slope of each picture's day against the
    moment the server composed it (no page lag in it)."""
    return _slope([(sent, day) for _, day, sent in end[1] if _number(day) and _number(sent)])


def picture_ages(end: list) -> list[float]:
    """Seconds from the server composing each picture to the page showing it."""
    return [(at - sent) / 1000 for at, _, sent in end[1] if _number(sent)]


def day_in(status: str) -> int:
    return int(re.search(r"Day (\d+)", status).group(1))


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not math.isnan(value)


def _slope(points: list[tuple[float, float]]) -> float:
    if len({at for at, _ in points}) < 2:
        return math.nan
    return statistics.linear_regression([at / 1000 for at, _ in points], [day for _, day in points]).slope


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=20.0, help="playing time measured")
    parser.add_argument("--speed", choices=list(SPEEDS), default="1")
    parser.add_argument("--days", type=int, default=3650,
                        help="horizon of the served copy of scenarios/default.yaml: long enough that no session "
                             "reaches its last day while the pages are opened and measured")
    parser.add_argument("--server-nice", type=int, default=0,
                        help="the server's nice value, e.g. -10: in a classroom the students' browsers run on their "
                             "own laptops, not on the server's cores (a negative value needs root)")
    parser.add_argument("--write", action="store_true", help="put the result table in docs/app.md")
    options = parser.parse_args()
    if options.server_nice < 0 and os.geteuid() != 0:
        parser.error("--server-nice below 0 needs root (the server would run ahead of the browsers)")

    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    # a stopped benchmark (Ctrl-C, `timeout`) still stops the server it started
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    load_before = os.getloadavg()
    served = Path(tempfile.mkdtemp(prefix="refsim-app-bench-")) / "default.yaml"
    log = open(served.with_name("server.log"), "w")  # the server's messages, for a run that goes wrong
    print(f"server log: {log.name}", file=sys.stderr)
    default = (ROOT / "scenarios" / "default.yaml").read_text()
    served.write_text(re.sub(r"(?m)^days: \d+$", f"days: {options.days}", default))
    server = subprocess.Popen([sys.executable, "-m", "simulator.cli", "app", str(served), "--port", str(port)], cwd=ROOT,
                              env=dict(os.environ, PYTHONPATH=str(ROOT)), stdout=log,
                              stderr=subprocess.STDOUT, start_new_session=True,
                              # every thread the server starts inherits the value
                              preexec_fn=(lambda: os.nice(options.server_nice)) if options.server_nice else None)
    try:
        for _ in range(480):
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                time.sleep(0.25)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            pages, ready = [], []

            # per page, the times its connection to the server closed (a page that lost its
            # session is not playing, whatever its status line last said)
            closes: list[int] = []

            def new_page():
                page = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
                page.set_default_timeout(300_000)
                index = len(closes)
                closes.append(0)

                def watch(socket):
                    socket.on("close", lambda _: closes.__setitem__(index, closes[index] + 1))

                page.on("websocket", watch)
                page.add_init_script(RECORD_CLOSES)
                return page

            # the first page alone: a cold load in a fresh browser context
            pages.append(new_page())
            started, asked = time.perf_counter(), time.time()
            pages[0].goto(url)
            pages[0].wait_for_selector(".refsim-network-A canvas")
            ready.append(time.perf_counter() - started)
            # the same moment by the page's own clock: the first picture drawn (NetworkPicture
            # notes it), counted from goto. Playwright notices the canvas later when the page
            # is busy with what arrives next (the controls), and it polls.
            first_picture = pages[0].wait_for_function(
                "() => window.refsimFirstPicture !== undefined && performance.timeOrigin + window.refsimFirstPicture"
            ).json_value() / 1000 - asked
            pages[0].wait_for_selector(".refsim-adoption-A canvas")
            charted = time.perf_counter() - started
            # the rest of the class opens the page at the same moment
            started = time.perf_counter()
            for _ in range(options.sessions - 1):
                pages.append(new_page())
                pages[-1].goto(url, wait_until="commit")
            for page in pages[1:]:
                page.wait_for_selector(".refsim-network-A canvas")
                page.wait_for_selector(".refsim-day")
            ready.append(time.perf_counter() - started)
            # the server's CPU with every page open and nothing playing: its event loop's ticks,
            # the connections' pings. It is paid whether days play or not, so the cost of a
            # day is also given above it
            idle_start, idle_clock = cpu_seconds(server.pid), time.perf_counter()
            time.sleep(IDLE_SECONDS)
            idle_rate = (cpu_seconds(server.pid) - idle_start) / (time.perf_counter() - idle_clock)
            print(f"{options.sessions} pages ready (server idle {1000 * idle_rate:.1f} ms of CPU a second); playing",
                  file=sys.stderr, flush=True)
            unpressed = []  # sessions whose Play stayed disabled: counted, not a crash of the bench
            for index, page in enumerate(pages):
                try:
                    page.click(f".refsim-speed-{SPEEDS[options.speed]}", timeout=PRESS_TIMEOUT_MS)
                    page.click(".refsim-play", timeout=PRESS_TIMEOUT_MS)
                except PlaywrightTimeout:
                    unpressed.append(index)
            time.sleep(2.0)  # every session playing before the clock starts
            # each page is read at its own moment (under load one read can take seconds), so each
            # is measured from its own first read to its own last, on the page's own clock
            cpu_start, clock_start = cpu_seconds(server.pid), time.perf_counter()
            browsers_start = browser_cpu_seconds(exclude=server.pid)
            starts = [page.evaluate(START_READING) for page in pages]
            time.sleep(options.seconds)
            ends = [page.evaluate(END_READING) for page in pages]
            elapsed = time.perf_counter() - clock_start  # the whole measure: every page's interval within it
            cpu = cpu_seconds(server.pid) - cpu_start
            browsers_cpu = browser_cpu_seconds(exclude=server.pid) - browsers_start
            load_during = os.getloadavg()
            measured = (1000 * (time.time() - elapsed), 1000 * time.time())  # the measure, on the pages' clock
            start_days = [day_in(status) for status, _ in starts]
            end_days = [day_in(status) for status, _, _ in ends]
            spans = [(end[2] - start[1]) / 1000 for start, end in zip(starts, ends)]  # each page's own interval
            stalled = [(index, end[0]) for index, (first, last, end) in enumerate(zip(start_days, end_days, ends))
                       if first == last]
            codes = [close for page in pages for close in page.evaluate("window.refsimCloses || []")]
            rates = [days_per_second(start, end) for start, end in zip(starts, ends)]
            picture_rates = [len(end[1]) / span for end, span in zip(ends, spans)]
            served = [served_per_second(end) for end in ends]
            ages = [picture_ages(end) for end in ends]
            age_median = statistics.median([statistics.median(a) for a in ages if a] or [math.nan])
            age_max = max((max(a) for a in ages if a), default=math.nan)
            # days played by all sessions over the whole CPU window, at each session's measured rate
            played = max(sum(rates) * elapsed, 1)
            server_ms, browsers_ms = 1000 * cpu / played, 1000 * browsers_cpu / played
            above_idle_ms = 1000 * (cpu - idle_rate * elapsed) / played
            print(f"measured over {elapsed:.1f} s (each page over {min(spans):.1f}-{max(spans):.1f} s of its own): "
                  f"days/s per session min {min(rates):.1f} median {statistics.median(rates):.1f}; pictures/s "
                  f"min {min(picture_rates):.1f} median {statistics.median(picture_rates):.1f}; served days/s min "
                  f"{min(served):.2f} median {statistics.median(served):.2f}; picture age median {age_median:.1f} s, "
                  f"max {age_max:.1f} s; CPU per day: server {server_ms:.1f} ms ({above_idle_ms:.1f} above idle), "
                  f"browsers {browsers_ms:.1f} ms; closes {sum(closes)} "
                  f"(codes {sorted(code for code, _ in codes)})", file=sys.stderr, flush=True)
            for page in pages:  # Pause, to time a rebuild on a quiet server
                try:
                    if page.is_enabled(".refsim-play"):  # a session may have reached its last day
                        page.click(".refsim-play", timeout=PAUSE_TIMEOUT_MS)
                except PlaywrightTimeout:  # a page still reconnecting (its Play disabled): it goes on
                    pass
            try:
                rebuild = f"{time_rebuild(pages[0]):.2f} s"
            except PlaywrightTimeout:  # the figures measured above are still reported
                status = pages[0].inner_text(".refsim-day") if pages[0].query_selector(".refsim-day") else "(none)"
                rebuild = f"not measured: the first page did not pause within 300 s (its status line: {' '.join(status.split())})"
            browser.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)

    finished = sum(end >= options.days for end in end_days)
    target = BASE_DAYS_PER_SECOND * float(options.speed)
    rows = [
        ("sessions playing at once", f"{options.sessions} at ×{options.speed} (target {target:g} days/s each)"),
        ("days per second per session (each page's day against its own clock, a least-squares slope)",
         f"min {min(rates):.1f}, median {statistics.median(rates):.1f}, mean {statistics.mean(rates):.1f}"),
        ("days per second the server played per session (each picture's day against when the server composed it)",
         f"min {min(served):.2f}, median {statistics.median(served):.2f}"),
        ("age of the picture on screen (from the server composing it to the page showing it)",
         f"median {age_median:.1f} s, longest {age_max:.1f} s"),
        ("pictures shown per second per session (each a new day on the status line)",
         f"min {min(picture_rates):.1f}, median {statistics.median(picture_rates):.1f}"),
        ("server CPU per simulated day (two designs, 300 people)",
         f"{server_ms:.1f} ms in all; {above_idle_ms:.1f} ms above the server's idle "
         f"({1000 * idle_rate:.1f} ms of CPU a second with the pages open, before Play)"),
        ("browsers' CPU per simulated day (Chromium's processes and the Playwright driver)",
         f"{browsers_ms:.1f} ms"),
        ("first page ready (cold load): its first network picture and status line drawn, by the page's clock "
         "(from the request)", f"{first_picture:.2f} s"),
        ("the same, as Playwright noticed the network's canvas (it polls, and the page is then busy with the "
         "controls)", f"{ready[0]:.2f} s"),
        ("first page's charts drawn", f"{charted:.2f} s"),
        (f"all other {options.sessions - 1} pages ready, opened together", f"{ready[1]:.2f} s"),
        ("server's priority against the browsers'",
         f"nice {options.server_nice}, browsers 0" if options.server_nice else "the same (nice 0)"),
        ("load average before / during (1 min)", f"{load_before[0]:.1f} / {load_during[0]:.1f} on {os.cpu_count()} cores"),
    ]
    rows.append(("rebuild after a new seed (300 people, two designs; includes the 0.25 s the controls rest)",
                 rebuild))
    if finished:
        rows.append(("sessions that reached the last day during the measure", str(finished)))
    if any(closes):
        rows.append(("pages whose connection to the server closed", f"{sum(map(bool, closes))} ({sum(closes)} closes)"))
    if codes:  # who closed: 1006 no closing handshake (dropped), 1011 the server's error or ping timeout, ...
        during = sum(measured[0] <= at <= measured[1] for _, at in codes)
        common = " and ".join(map(str, statistics.multimode([code for code, _ in codes])))
        rows.append(("websocket close codes seen by the pages",
                     ", ".join(f"{code}: {sum(c == code for c, _ in codes)}" for code in sorted({c for c, _ in codes}))
                     + f" ({during} during the measure; most common {common})"))
    if unpressed:
        rows.append(("sessions whose Play button stayed disabled (not started)",
                     f"{len(unpressed)} (waited {PRESS_TIMEOUT_MS / 1000:g} s each)"))
    if stalled:
        index, status = stalled[0]
        rows.append(("sessions that made no day during the measure",
                     f"{len(stalled)}; session {index + 1} read: {' '.join(status.split())}"))
    table = "\n".join(["| measure | value |", "|---|---|"] + [f"| {name} | {value} |" for name, value in rows])
    stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime())
    measured_s = (f"{options.seconds:g} s of play" if elapsed < options.seconds + 5 else
                  f"each page measured over its own {statistics.median(spans):.0f} s (median; {options.seconds:g} s "
                  f"asked: reading the pages one by one under load took the rest)")
    block = f"Run of {stamp}, {measured_s}:\n\n{table}"
    print(block)
    if options.write:
        write_block(block, f"{options.sessions}-sessions")


#: Each page notes its websockets' close codes and times (ms since the epoch): a code says
#: who ended the connection (1006: dropped without a closing handshake; 1011: a server
#: error, or uvicorn's ping timeout; 1000/1001: closed on purpose).
RECORD_CLOSES = """(() => {
    const Native = window.WebSocket;
    window.refsimCloses = [];
    window.WebSocket = class extends Native {
        constructor(...args) {
            super(...args);
            this.addEventListener("close", (event) => window.refsimCloses.push([event.code, Date.now()]));
        }
    };
})();"""


#: The status line matches a pattern (it is briefly absent while a new run is built).
DAY_SHOWS = "(pattern) => { const e = document.querySelector('.refsim-day'); return e && new RegExp(pattern).test(e.innerText); }"


def time_rebuild(page) -> float:
    """Seconds from typing a new seed until the new network's run is on screen at day 0
    (the page waits NETWORK_SETTLE_S for the typing to rest, then builds the network,
    its layout and both designs)."""
    page.wait_for_function(DAY_SHOWS, arg="paused|finished")
    if not page.is_visible(".refsim-seed input"):
        page.click(".refsim-settings")  # a projector-sized page folds the controls away
    seed = int(page.input_value(".refsim-seed input") or 0) + 1
    started = time.perf_counter()
    page.fill(".refsim-seed input", str(seed))
    page.wait_for_function(DAY_SHOWS, arg="^Day 0 ")
    return time.perf_counter() - started


def write_block(block: str, name: str) -> None:
    """Put ``block`` under a heading for this run size inside the app-bench markers of
    docs/app.md, keeping the other run sizes' blocks."""
    text = DOC.read_text()
    start, end = "<!-- app-bench -->", "<!-- /app-bench -->"
    head, rest = text.split(start, 1)
    body, tail = rest.split(end, 1)
    sections = dict(re.findall(r"<!-- run (\S+) -->\n(.*?)\n<!-- /run -->", body, flags=re.S))
    sections[name] = block
    body = "\n".join(f"<!-- run {key} -->\n{value}\n<!-- /run -->" for key, value in sorted(sections.items()))
    handle, temporary = tempfile.mkstemp(dir=DOC.parent, prefix=".app.md.")
    with os.fdopen(handle, "w") as out:
        out.write(f"{head}{start}\n{body}\n{end}{tail}")
    os.replace(temporary, DOC)


if __name__ == "__main__":
    main()
