"""The public status page at scale: 250 public components with a year of history.

Fills a store with N components x D days of results (bench/sla.py's generator: mostly up, a
few outages, slow answers; one result per `--step`, each component probed at that interval so
the rows cover their time), publishes an incident in progress and a resolved one, then times
the snapshot (90 daily bars per component from the accounting), the rendering of the whole
site, and `vigie status build`'s writing. Then starts `vigie status serve` (uvicorn, one
process, 127.0.0.1) and measures requests per second of `/` and `/api/v2/summary.json` with
a Python load generator (keep-alive connections in threads asking for gzip as browsers do,
bounded in count and time), on the same two cores as the server. Target (issue #19): 500 requests per second for the page.

    PYTHONPATH=. .venv/bin/python bench/status.py [--components N] [--days D] [--step S]
                                                  [--seconds T] [--clients C] [--keep DIR]
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.sla import history
from vigie.console.cmd_status import write_site
from vigie.console.settings import load_settings
from vigie.console.status.site import render_site
from vigie.probes.store import Store
from vigie.reports.status.communication import Communications
from vigie.reports.status.page import build_page

TARGET_RPS = 500


def write_config(folder: Path, components: list[str], step: int, port: int) -> Path:
    """A config with the components public, in groups of ten, each probed every ``step``."""
    parts = ['[vigie]\ntimezone = "Europe/Paris"\n\n[store]\npath = "vigie.db"\n']
    for c in components:
        parts.append(f'[[components]]\nid = "{c}"\nname = "Service {c}"\ntarget = 99\n')
        parts.append(
            f'[[probes]]\nid = "{c}-http"\ncomponent = "{c}"\nkind = "http"\n'
            f'url = "http://127.0.0.1:9/{c}"\ninterval = "{step}s"\ntimeout = "5s"\n'
        )
    parts.append(f'[status]\ntitle = "Banc d\'essai"\nport = {port}\nrefresh = "60s"\n')
    for i, c in enumerate(components):
        parts.append(f'[[status.components]]\nid = "{c}"\ngroup = "Groupe {i // 10 + 1}"\n')
    path = folder / "config.toml"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def fill(config: Path, components: list[str], days: int, step: int, now: float) -> tuple[int, float]:
    """Rows written and seconds taken; the rows go under each component's http probe."""
    settings = load_settings(config)
    start = now - days * 86400
    started, rows = time.perf_counter(), 0
    with Store.of_config(settings.probes, settings.store_path()) as store:
        for day in history(components, start, days, step):
            batch = [
                (c, f"{c}-http", ts, status, lat, detail, value)
                for c, _, ts, status, lat, detail, value in day
            ]
            rows += store.append_rows(batch)
    with Communications.open(settings.store_path(), components) as comms:
        old = comms.open_incident(
            {components[0]: "partial_outage"}, "Lenteurs", title="Lenteurs", title_en="", now=now - 86400
        )
        comms.resolve(old.id, "Rétabli", now=now - 80000)
        current = comms.open_incident(
            {components[1]: "major_outage"}, "Panne", title="Panne", title_en="", now=now - 600
        )
        comms.update(current.id, "Cause identifiée", now=now - 300, status="identified")
    return rows, time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def load(
    port: int, path: str, seconds: float, clients: int, limit: int, packed: bool = True
) -> tuple[int, float, int]:
    """Requests answered 200, the seconds taken, and the errors: ``clients`` threads with one
    keep-alive connection each, until ``seconds`` or ``limit`` requests in all."""
    done, errors = [0], [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while time.monotonic() < deadline:
            with lock:
                if done[0] + errors[0] >= limit:
                    break
            try:
                conn.request("GET", path, headers={"Accept-Encoding": "gzip" if packed else "identity"})
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            with lock:
                done[0] += ok
                errors[0] += not ok
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return done[0], time.perf_counter() - started, errors[0]


def serve_and_measure(config: Path, port: int, seconds: float, clients: int) -> None:
    vigie = Path(sys.executable).parent / "vigie"
    server = subprocess.Popen(
        [vigie, "status", "--config", str(config), "serve"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        started = time.perf_counter()
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        print(f"  serve: first page answered after {time.perf_counter() - started:.1f} s")
        for path in ("/", "/api/v2/summary.json"):
            load(port, path, 1.0, clients, 1000)  # warm-up
            ok, took, errors = load(port, path, seconds, clients, 200_000)
            verdict = "meets" if path != "/" or ok / took >= TARGET_RPS else "BELOW"
            target = f"(target {TARGET_RPS}/s: {verdict})" if path == "/" else ""
            print(
                f"  GET {path:<22} {ok / took:7.0f} requests/s gzipped ({ok} in {took:.1f} s, {errors} errors, {clients} clients) {target}"
            )
        ok, took, errors = load(port, "/", seconds, clients, 200_000, packed=False)
        print(
            f"  GET / uncompressed {ok / took:7.0f} requests/s ({ok} in {took:.1f} s, {errors} errors; a client that refuses gzip)"
        )
    finally:
        server.terminate()
        server.wait(15)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--components", type=int, default=250)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--step", type=int, default=3600, help="seconds between results (default 1 h)")
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each load run")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="vigie-bench-status-"))
    folder.mkdir(parents=True, exist_ok=True)
    components = [f"c{i:03d}" for i in range(args.components)]
    port = free_port()
    config = write_config(folder, components, args.step, port)
    now = time.time()
    print(
        f"status page: {args.components} public components, {args.days} days at {args.step} s, load {os.getloadavg()[0]:.2f}"
    )
    if not (folder / "vigie.db").exists():
        rows, took = fill(config, components, args.days, args.step, now)
        print(f"  history: {rows:,} results written in {took:.1f} s")
    settings = load_settings(config)
    with Store.of_config(settings.probes, settings.store_path()) as store:
        started = time.perf_counter()
        page = build_page(store, settings.probes, settings.status, now)
        snapshot = time.perf_counter() - started
    started = time.perf_counter()
    site = render_site(page)
    rendered = time.perf_counter() - started
    size = sum(len(r.body) for r in site.values())
    started = time.perf_counter()
    written = write_site(site, folder / "public")
    wrote = time.perf_counter() - started
    print(f"  snapshot (90 daily bars x {args.components}): {snapshot:.2f} s")
    print(
        f"  render: {len(site)} resources, {size / 1e6:.1f} MB (home page {len(site['/'].body) / 1e3:.0f} kB) in {rendered:.2f} s"
    )
    print(
        f"  build: {written} files written in {wrote:.2f} s; vigie status build in all: {snapshot + rendered + wrote:.2f} s"
    )
    serve_and_measure(config, port, args.seconds, args.clients)
    print(
        f"  load average after: {os.getloadavg()[0]:.2f} (2 cores shared by the server and the load generator)"
    )


if __name__ == "__main__":
    main()
