"""Regenerate the PNG screenshots of docs/: the console's six tabs and the monthly report.

Runs `vigie demo --headless` in a scratch folder, photographs the console (Textual's SVG
screenshot, 120x40) while the demo's daemon is live, as a user sees it that day (every tab
at the demo's clock: its catalog and tickets follow it), writes the December 2017 report,
and renders both to PNG with headless Chromium (`apt-get install -y chromium` if missing).
Usage: .venv/bin/python docs/make_screenshots.py  (or `make screenshots`).
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from vigie.console.settings import load_settings
from vigie.console.tui.app import VigieApp

DOCS = Path(__file__).resolve().parent
VIGIE = Path(sys.executable).parent / "vigie"
TABS = [
    ("1", "disponibilite"),
    ("2", "flux"),
    ("3", "tickets"),
    ("4", "homologations"),
    ("5", "decommissionnement"),
    ("6", "cartographie"),
]
SIZE = (120, 40)  # the terminal size every tab fits whole
WIDTH = 1400  # pixels of the PNG


def chromium_png(source: Path, target: Path, width: int, height: int) -> None:
    """Render an HTML file to a PNG of the given size with headless Chromium."""
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                "chromium",
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--hide-scrollbars",
                f"--user-data-dir={profile}",
                f"--screenshot={target}",
                f"--window-size={width},{height}",
                source.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )


def svg_to_png(svg: Path, png: Path) -> None:
    """Scale a Textual SVG screenshot to WIDTH pixels and render it."""
    match = re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg.read_text(encoding="utf-8"))
    assert match, svg
    height = round(WIDTH * float(match.group(2)) / float(match.group(1)))
    page = svg.with_suffix(".html")
    page.write_text(
        f'<html><body style="margin:0"><img src="{svg.name}" style="width:{WIDTH}px"></body></html>',
        encoding="utf-8",
    )
    chromium_png(page, png, WIDTH, height)


async def console_svgs(config: Path, folder: Path, tabs: list[tuple[str, str]]) -> list[tuple[str, Path]]:
    """One SVG per tab of the console over the demo's config, now."""
    settings = load_settings(config)
    app = VigieApp(settings)
    shots = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(4)
        for key, name in tabs:
            await pilot.press("escape", key)  # escape leaves the map's search box
            if name == "cartographie":
                await pilot.press(*"chorus pro", "enter")
            await pilot.pause(20 if name == "tickets" else 3)  # tickets: a year of them to count
            shots.append((name, Path(app.save_screenshot(f"console-{name}.svg", str(folder)))))
    return shots


def main() -> None:
    """Make the demo, photograph the console during its run, then render the report."""
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        demo = folder / "demo-data"
        config = demo / "config.toml"
        run = subprocess.Popen(
            [VIGIE, "demo", "--headless", "--for", "300s", "--dir", demo],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        while not (demo / "daemon.log").exists() and run.poll() is None:
            time.sleep(1)
        time.sleep(45)  # past the scripted Chorus Pro outage (30 s after the start)
        shots = asyncio.run(console_svgs(config, folder, TABS))
        run.terminate()  # the console is photographed: the demo need not run its full time
        run.wait()
        for name, svg in shots:
            svg_to_png(svg, DOCS / f"console-{name}.png")
        report = folder / "report.html"
        subprocess.run(
            [VIGIE, "report", "monthly", "2017-12", "--config", config, "--out", report], check=True
        )
        chromium_png(report, DOCS / "report-monthly.png", 1240, 1754)


if __name__ == "__main__":
    main()
