"""The public status page in a real browser: Debian's chromium, headless, driven over the
DevTools protocol (a websocket), against `vigie status serve`'s app on loopback.

At desktop and phone widths: the page renders with a component down and an incident in
progress, the 90-day bars show a grey no-data day (hatched, not green), the state is written
in words, the text contrasts enough (RGAA 3.2: 4.5:1), the first Tab reaches the skip link,
nothing overflows sideways on a phone, and the console has no error. Screenshots go to
pytest's temporary folder; with VIGIE_DOCS_SCREENSHOTS=1 they also replace
docs/status-desktop.png and docs/status-phone.png.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import uvicorn
import websocket

from tests.status_site import make_site, publish_outage
from tests.test_status import free_port
from vigie.console.status.app import SiteCache, create_app

CHROMIUM = shutil.which("chromium")
DOCS = Path(__file__).resolve().parent.parent / "docs"
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (make test installs it)")

CONTRAST = """
(() => {
  const rgb = s => s.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = c => { const [r, g, b] = c.map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const bg = el => { for (; el; el = el.parentElement) { const c = getComputedStyle(el).backgroundColor;
    if (!c.startsWith('rgba(0, 0, 0, 0)') && c !== 'transparent') return rgb(c); } return [255, 255, 255]; };
  const worst = [];
  for (const el of document.querySelectorAll('.banner, .state, .meta, .hint, .scale, .desc, a, h1, h2, h3, p, .tag')) {
    const a = lum(rgb(getComputedStyle(el).color)), b = lum(bg(el));
    worst.push([(Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05), el.className || el.tagName]);
  }
  worst.sort((x, y) => x[0] - y[0]);
  return worst[0];
})()
"""


class Browser:
    """One headless chromium and a websocket to its page."""

    def __init__(self, profile: str) -> None:
        assert CHROMIUM is not None
        self.process = subprocess.Popen(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                f"--user-data-dir={profile}",
                "--remote-debugging-port=0",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # its renderer and crash handler go with it on close
        )
        assert self.process.stderr is not None
        deadline = time.monotonic() + 30
        endpoint = None
        while endpoint is None and time.monotonic() < deadline:
            line = self.process.stderr.readline()
            if match := re.search(r"DevTools listening on (ws://\S+)", line):
                endpoint = match.group(1)
        assert endpoint, "chromium did not start its DevTools endpoint"
        threading.Thread(target=self.process.stderr.read, daemon=True).start()  # keep the pipe drained
        port = endpoint.split(":")[2].split("/")[0]
        browser = websocket.create_connection(endpoint, timeout=30)
        self._id = 0
        self.ws = browser
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        browser.close()
        self.ws = websocket.create_connection(f"ws://127.0.0.1:{port}/devtools/page/{target}", timeout=30)
        self.events: list[dict[str, Any]] = []
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable")

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send one command and wait for its answer (events meanwhile are kept)."""
        self._id += 1
        self.ws.send(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self._id:
                assert "error" not in message, message
                return dict(message.get("result", {}))
            self.events.append(message)

    def wait_for(self, event: str, timeout: float = 30) -> None:
        """Wait until ``event`` arrives."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(e.get("method") == event for e in self.events):
                return
            self.events.append(json.loads(self.ws.recv()))
        raise AssertionError(f"no {event} within {timeout} s")

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page."""
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        assert "exceptionDetails" not in result, result
        return result["result"].get("value")

    def open(self, url: str, width: int, height: int, mobile: bool) -> None:
        """Load ``url`` in a viewport of that size."""
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=mobile,
        )
        self.events.clear()
        self.call("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired")

    def errors(self) -> list[dict[str, Any]]:
        """Console errors, uncaught exceptions and failed loads logged since the page opened."""
        bad = []
        for e in self.events:
            method, params = e.get("method"), e.get("params", {})
            if (
                method == "Runtime.exceptionThrown"
                or (method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"))
                or (method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error")
            ):
                bad.append(e)
        return bad

    def screenshot(self, target: Path) -> None:
        """The whole page as a PNG."""
        height = self.evaluate("document.documentElement.scrollHeight")
        width = self.evaluate("document.documentElement.clientWidth")
        shot = self.call(
            "Page.captureScreenshot",
            format="png",
            captureBeyondViewport=True,
            clip={"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
        )
        target.write_bytes(base64.b64decode(shot["data"]))

    def close(self) -> None:
        """Close the page and stop chromium with every process it started.

        Chromium's helpers outlive a terminated browser process for a moment and still write
        to the profile, which made removing the profile fail (seen in CI)."""
        self.ws.close()
        group = os.getpgid(self.process.pid)
        os.killpg(group, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)
        self.process.wait()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    now = time.time()
    settings = make_site(tmp_path_factory.mktemp("browser"), now)
    publish_outage(settings, now)
    cache = SiteCache(settings.store_path(), settings.probes, settings.status)
    cache.start()
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(cache), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(5)
    cache.stop()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    chromium = Browser(str(tmp_path_factory.mktemp("chromium-profile")))
    yield chromium
    chromium.close()


@pytest.mark.parametrize(
    ("name", "width", "height", "mobile"),
    [("desktop", 1280, 900, False), ("phone", 390, 844, True)],
)
def test_the_page_in_a_real_browser(
    browser: Browser, served: str, tmp_path: Path, name: str, width: int, height: int, mobile: bool
) -> None:
    browser.open(f"{served}/", width, height, mobile)
    banner = browser.evaluate("document.querySelector('.banner').innerText")
    assert "Panne majeure" in banner
    assert "Indisponibilité de Chorus Pro" in browser.evaluate(
        "document.querySelector('#h-incidents').parentElement.innerText"
    )
    state = browser.evaluate("document.querySelector('#component-chorus-pro .state').innerText")
    assert "panne majeure" in state
    bars = browser.evaluate(
        "Array.from(document.querySelectorAll('#component-chorus-pro rect')).map(r => [r.getAttribute('class'), getComputedStyle(r).fill])"
    )
    assert len(bars) == 90
    grey = [fill for cls, fill in bars if cls == "d-nodata"]
    green = {fill for cls, fill in bars if cls == "d-up"}
    assert grey and all(fill.startswith("url(") for fill in grey) and green.isdisjoint(grey)
    assert any(cls == "d-down" for cls, _ in bars)
    ratio, where = browser.evaluate(CONTRAST)
    assert ratio >= 4.5, (ratio, where)
    assert browser.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    shot = tmp_path / f"status-{name}.png"
    browser.screenshot(shot)
    assert shot.stat().st_size > 10_000
    if os.environ.get("VIGIE_DOCS_SCREENSHOTS") == "1":
        shutil.copyfile(shot, DOCS / f"status-{name}.png")
    browser.call("Input.dispatchKeyEvent", type="keyDown", key="Tab", code="Tab", windowsVirtualKeyCode=9)
    browser.call("Input.dispatchKeyEvent", type="keyUp", key="Tab", code="Tab", windowsVirtualKeyCode=9)
    assert browser.evaluate("document.activeElement.className") == "skip"
    assert browser.errors() == []


def test_the_english_page_and_the_history_render_without_errors(browser: Browser, served: str) -> None:
    browser.open(f"{served}/en/", 1280, 900, False)
    assert "Major system outage" in browser.evaluate("document.querySelector('.banner').innerText")
    assert browser.evaluate("document.documentElement.lang") == "en"
    browser.open(f"{served}/history/", 1280, 900, False)
    month = datetime.fromtimestamp(time.time() - 5 * 86400, ZoneInfo("Europe/Paris")).strftime("%Y-%m")
    links = browser.evaluate("Array.from(document.querySelectorAll('.months a')).map(a => a.href)")
    assert f"{served}/history/{month}/" in links
    browser.open(f"{served}/history/{month}/", 1280, 900, False)
    assert "Lenteurs du portail" in browser.evaluate("document.body.innerText")
    assert browser.errors() == []
