"""Probe daemon CPU per check: the real `vigie run` vs Prometheus's blackbox_exporter, against nginx.

For 250, 3,000 and 10,000 HTTP endpoints on loopback (one nginx from Debian's packages,
started here, answering every path), each checked every 30 s (8.33, 100 and 333 checks/s):

- **the daemon**: a generated ``config.toml`` (250 components, the endpoints spread over
  them, /metrics served but not scraped) and `vigie run --config FILE` launched as a
  subprocess, as an operator starts it. After a warm-up, its CPU (psutil: the process and its
  children, user + system) is read over a window long enough for every endpoint's second
  round (the run lasts more than two intervals from launch); the checks are the results the
  daemon stored with a time inside the window. Its start-up CPU (imports, config, store) is
  printed apart, per run, not spread over the checks. RSS at the end of the window.
- **blackbox_exporter** (Debian package), driven at the same rate on its /probe endpoint as
  Prometheus would, the CPU of its process alone over the same length of window.
- the ratio of CPU per check daemon / blackbox_exporter, beside the target (at most 0.5).

Medians of ``--runs`` runs (daemon and blackbox_exporter alternate, so both see the same
machine load); the machine's load average (``uptime``) is printed before and after.
``--in-process`` adds the older figure: the scheduler alone, in this process, with the
store but without the daemon's states, alerts and server (its scheduling lag is measured
there). Every check opens a new connection.

Run: `.venv/bin/python bench/probes.py [--runs 3] [--endpoints 250,3000,10000]`.
Needs `nginx` and `prometheus-blackbox-exporter` on PATH (apt-get install --no-install-recommends
nginx prometheus-blackbox-exporter); without blackbox_exporter, its columns are skipped.
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

import psutil

from vigie.accounting.terms import Policy, Schedule
from vigie.probes.checks.heartbeat import Heartbeats
from vigie.probes.checks.kinds import make_check
from vigie.probes.config import (
    Component,
    ExporterConfig,
    HttpOptions,
    ProbeConfig,
    ProbesConfig,
    SchedulerConfig,
    StoreConfig,
)
from vigie.probes.scheduler import Measured, Scheduler
from vigie.probes.store import Store

INTERVAL = 30.0
COMPONENTS = 250
TARGET_RATIO = 0.5
VIGIE = Path(sys.executable).with_name("vigie")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_port(port: int) -> None:
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def load() -> str:
    """The machine's load averages (1, 5, 15 min), as ``uptime`` prints them."""
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def start_nginx(folder: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    conf = folder / "nginx.conf"
    conf.write_text(
        f"daemon off; worker_processes 1; pid {folder}/nginx.pid; error_log {folder}/error.log;\n"
        "events { worker_connections 4096; }\n"
        f"http {{ access_log off; client_body_temp_path {folder}; proxy_temp_path {folder};\n"
        f"  fastcgi_temp_path {folder}; uwsgi_temp_path {folder}; scgi_temp_path {folder};\n"
        f"  server {{ listen 127.0.0.1:{port} backlog=4096; location / {{ return 200 'ok'; }} }} }}\n"
    )
    proc = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(folder)], stderr=subprocess.DEVNULL)
    wait_port(port)
    return proc, port


def daemon_config(folder: Path, endpoints: int, port: int) -> Path:
    """A config.toml with ``endpoints`` HTTP probes every 30 s over (at most) 250 components."""
    components = min(endpoints, COMPONENTS)
    lines = [
        '[vigie]\ntimezone = "Europe/Paris"\n',
        f'[store]\npath = "vigie-{endpoints}.db"\n',
        f'[exporter]\nhost = "127.0.0.1"\nport = {free_port()}\n',
    ]
    lines += [f'[[components]]\nid = "c{c}"\nname = "C{c}"\ntarget = 99\n' for c in range(components)]
    lines += [
        f'[[probes]]\nid = "ep{i}"\ncomponent = "c{i % components}"\nkind = "http"\n'
        f'url = "http://127.0.0.1:{port}/ep/{i}"\ninterval = "30s"\ntimeout = "5s"\n'
        for i in range(endpoints)
    ]
    path = folder / f"config-{endpoints}.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def cpu_of(proc: psutil.Process) -> float:
    """CPU seconds (user + system) of a process, its children alive and those it waited for."""
    total = 0.0
    for p in (proc, *proc.children(recursive=True)):
        try:
            times = p.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


def run_daemon(endpoints: int, port: int, warm_up: float, window: float, folder: Path) -> dict[str, float]:
    """Launch `vigie run` on a generated config; its CPU per check over the window after a warm-up."""
    config = daemon_config(folder, endpoints, port)
    db = folder / f"vigie-{endpoints}.db"
    for leftover in folder.glob(f"vigie-{endpoints}.db*"):
        leftover.unlink()
    launched = time.time()
    proc = subprocess.Popen(
        [str(VIGIE), "run", "--config", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    daemon = psutil.Process(proc.pid)
    try:
        time.sleep(warm_up)
        if proc.poll() is not None:
            raise RuntimeError(f"vigie run exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        cpu0, t0 = cpu_of(daemon), time.time()
        time.sleep(window)
        cpu, t1 = cpu_of(daemon) - cpu0, time.time()
        rss = daemon.memory_info().rss
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    with sqlite3.connect(db) as conn:
        checks, down = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE status != 'up') FROM samples WHERE ts >= ? AND ts < ?",
            (t0, t1),
        ).fetchone()
        first = conn.execute("SELECT min(ts) FROM samples").fetchone()[0]
    if proc.returncode != 0:
        raise RuntimeError(f"vigie run exited {proc.returncode}: {err.decode()[-500:]}")
    return {
        "checks_s": checks / (t1 - t0),
        "cpu_ms": cpu * 1000 / max(checks, 1),
        "rss_mb": rss / 1e6,
        "down": down,
        "start_s": (first or launched) - launched,
    }


def in_process_config(endpoints: int, port: int) -> ProbesConfig:
    comp = Component("bench", "bench", 0.99, Schedule(), Policy())
    probes = tuple(
        ProbeConfig(
            f"ep{i}",
            "bench",
            "http",
            INTERVAL,
            5.0,
            "availability",
            HttpOptions(f"http://127.0.0.1:{port}/ep/{i}"),
        )
        for i in range(endpoints)
    )
    return ProbesConfig(
        timezone=comp.schedule.timezone,
        policy=Policy(),
        components=(comp,),
        probes=probes,
        maintenance=(),
        store=StoreConfig(),
        exporter=ExporterConfig(enabled=False),
        scheduler=SchedulerConfig(workers=32, flush_interval=1.0),
    )


def run_in_process(endpoints: int, port: int, seconds: float, folder: Path) -> dict[str, float]:
    """The scheduler alone in this process (store, no states, alerts or server), with its lag."""
    config = in_process_config(endpoints, port)
    lags: list[float] = []

    def listen(batch: list[Measured]) -> None:
        lags.extend(item.lag for item in batch)

    me = psutil.Process()
    path = folder / f"in-process-{endpoints}.db"
    for leftover in folder.glob(f"{path.name}*"):
        leftover.unlink()
    with Store.of_config(config, path) as store:
        heartbeats = Heartbeats(config.probes)
        checks = {p.id: make_check(p, heartbeats) for p in config.probes}
        scheduler = Scheduler(config, store, checks, listeners=[listen])
        cpu0, t0 = sum(me.cpu_times()[:2]), time.perf_counter()
        scheduler.run(threading.Event(), until=time.time() + seconds)
        elapsed, cpu = time.perf_counter() - t0, sum(me.cpu_times()[:2]) - cpu0
        scheduler.close()
    lags.sort()
    count = len(lags)
    return {
        "checks_s": count / elapsed,
        "lag_p50": lags[count // 2] if lags else 0.0,
        "lag_p99": lags[min(count - 1, int(count * 0.99))] if lags else 0.0,
        "cpu_ms": cpu * 1000 / max(count, 1),
        "rss_mb": me.memory_info().rss / 1e6,
    }


def run_blackbox(
    endpoints: int, port: int, warm_up: float, seconds: float, folder: Path
) -> dict[str, float] | None:
    """Drive blackbox_exporter's /probe at Vigie's rate; CPU counted for its process only."""
    binary = shutil.which("prometheus-blackbox-exporter") or shutil.which("blackbox_exporter")
    if binary is None:
        return None
    bb_port = free_port()
    (folder / "blackbox.yml").write_text("modules:\n  http_2xx:\n    prober: http\n    timeout: 5s\n")
    proc = subprocess.Popen(
        [
            binary,
            f"--config.file={folder}/blackbox.yml",
            f"--web.listen-address=127.0.0.1:{bb_port}",
            "--log.level=error",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_port(bb_port)
        rate = endpoints / INTERVAL
        done: list[float] = []
        start = time.perf_counter()
        window_start = start + warm_up
        stop = window_start + seconds
        lock = threading.Lock()
        slot = {"next": 0}

        def driver() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", bb_port, timeout=10)
            while True:
                with lock:
                    index = slot["next"]
                    slot["next"] += 1
                due = start + index / rate
                if due > stop:
                    return
                time.sleep(max(0.0, due - time.perf_counter()))
                target = quote(f"http://127.0.0.1:{port}/ep/{index % endpoints}", safe="")
                conn.request("GET", f"/probe?module=http_2xx&target={target}")
                body = conn.getresponse().read()
                if b"probe_success 1" in body and due >= window_start:
                    with lock:
                        done.append(due)

        bb = psutil.Process(proc.pid)
        threads = [threading.Thread(target=driver) for _ in range(16)]
        for t in threads:
            t.start()
        time.sleep(max(0.0, window_start - time.perf_counter()))
        cpu0 = cpu_of(bb)
        for t in threads:
            t.join()
        cpu = cpu_of(bb) - cpu0
        return {"checks_s": len(done) / seconds, "cpu_ms": cpu * 1000 / max(len(done), 1)}
    finally:
        proc.terminate()
        proc.wait(10)


def median(runs: list[dict[str, float]]) -> dict[str, float]:
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm-up", type=float, default=15.0, help="seconds before the window")
    parser.add_argument("--window", type=float, default=45.0, help="seconds CPU is counted")
    parser.add_argument("--endpoints", default="250,3000,10000", help="comma-separated endpoint counts")
    parser.add_argument("--runs", type=int, default=3, help="runs per size (medians printed)")
    parser.add_argument(
        "--in-process", action="store_true", help="also the scheduler alone in this process (lag)"
    )
    args = parser.parse_args()
    if shutil.which("nginx") is None:
        print("bench_probes: skipped, nginx is needed as the target (apt-get install nginx)")
        return
    if args.warm_up + args.window < 2 * INTERVAL:
        parser.error(f"--warm-up + --window must cover two rounds ({2 * INTERVAL:g} s)")
    print(f"load average before: {load()} ({os.cpu_count()} cores)")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        nginx, port = start_nginx(folder)
        try:
            print(
                f"`vigie run` (real daemon, {args.warm_up:g} s warm-up, {args.window:g} s window) "
                f"vs blackbox_exporter, medians of {args.runs}; target ratio <= {TARGET_RATIO}"
            )
            print(
                f"{'endpoints':>9} {'target/s':>8} | {'vigie/s':>8} {'cpu ms':>7} {'rss MB':>7} "
                f"{'down':>5} {'start s':>7} | {'bbox/s':>7} {'cpu ms':>7} | {'ratio':>5} {'target':>6}"
            )
            for endpoints in (int(x) for x in args.endpoints.split(",")):
                vigie: list[dict[str, float]] = []
                bbox: list[dict[str, float]] = []
                for _ in range(args.runs):
                    vigie.append(run_daemon(endpoints, port, args.warm_up, args.window, folder))
                    b = run_blackbox(endpoints, port, 5.0, args.window, folder)
                    if b is not None:
                        bbox.append(b)
                v = median(vigie)
                line = (
                    f"{endpoints:>9} {endpoints / INTERVAL:>8.2f} | {v['checks_s']:>8.2f} {v['cpu_ms']:>7.3f} "
                    f"{v['rss_mb']:>7.0f} {v['down']:>5.0f} {v['start_s']:>7.1f} | "
                )
                if bbox:
                    b = median(bbox)
                    ratio = v["cpu_ms"] / b["cpu_ms"]
                    verdict = "met" if ratio <= TARGET_RATIO else "missed"
                    line += f"{b['checks_s']:>7.2f} {b['cpu_ms']:>7.3f} | {ratio:>5.2f} {verdict:>6}"
                    line += (
                        "  (runs: "
                        + ", ".join(
                            f"{x['cpu_ms'] / y['cpu_ms']:.2f}" for x, y in zip(vigie, bbox, strict=True)
                        )
                        + ")"
                    )
                else:
                    line += f"{'-':>7} {'-':>7} | {'-':>5}"
                print(line, flush=True)
            if args.in_process:
                print("\nin-process scheduler only (store, no states/alerts/server; not the daemon):")
                print(f"{'endpoints':>9} | {'sched/s':>8} {'lag p50':>8} {'lag p99':>8} {'cpu ms':>7}")
                for endpoints in (int(x) for x in args.endpoints.split(",")):
                    s = median(
                        [run_in_process(endpoints, port, args.window, folder) for _ in range(args.runs)]
                    )
                    print(
                        f"{endpoints:>9} | {s['checks_s']:>8.2f} {s['lag_p50'] * 1000:>6.0f}ms "
                        f"{s['lag_p99'] * 1000:>6.0f}ms {s['cpu_ms']:>7.3f}",
                        flush=True,
                    )
        finally:
            nginx.terminate()
            nginx.wait(10)
    print(f"load average after: {load()}")


if __name__ == "__main__":
    main()
