"""Probe daemon throughput: Vigie's scheduler vs Prometheus's blackbox_exporter, against nginx.

For 250, 2,500 and 10,000 HTTP endpoints on loopback (one nginx from Debian's packages,
started here, answering every path), each checked every 30 s (so 8, 83 and 333 checks/s),
prints the checks per second sustained, scheduling lag p50/p99, CPU milliseconds per
check and the daemon's RSS; then the same checks done by blackbox_exporter (Debian
package), driven at the same rate, with the CPU of its process alone; and the ratio of
CPU per check Vigie / blackbox_exporter. Every Vigie check opens a new connection.

Run: `.venv/bin/python bench/probes.py [--seconds 20] [--endpoints 250,2500,10000]`.
Needs `nginx` and `prometheus-blackbox-exporter` on PATH (apt-get install nginx
prometheus-blackbox-exporter); without blackbox_exporter, its columns are skipped.
"""

from __future__ import annotations

import argparse
import http.client
import shutil
import socket
import statistics
import subprocess
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_port(port: int) -> None:
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


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


def config_for(endpoints: int, port: int) -> ProbesConfig:
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


def run_vigie(endpoints: int, port: int, seconds: float, folder: Path) -> dict[str, float]:
    config = config_for(endpoints, port)
    lags: list[float] = []
    statuses: dict[str, int] = {}

    def listen(batch: list[Measured]) -> None:
        for item in batch:
            lags.append(item.lag)
            statuses[item.result.status] = statuses.get(item.result.status, 0) + 1

    me = psutil.Process()
    # As the daemon opens it: the store keeps each probe's timeline as results arrive.
    with Store.of_config(config, folder / f"bench-{endpoints}.db") as store:
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
        "down": statuses.get("down", 0),
    }


def run_blackbox(endpoints: int, port: int, seconds: float, folder: Path) -> dict[str, float] | None:
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
        stop = time.perf_counter() + seconds
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
                if b"probe_success 1" in body:
                    with lock:
                        done.append(time.perf_counter())

        bb = psutil.Process(proc.pid)
        cpu0 = sum(bb.cpu_times()[:2])
        start = time.perf_counter()
        threads = [threading.Thread(target=driver) for _ in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - start
        cpu = sum(bb.cpu_times()[:2]) - cpu0
        return {"checks_s": len(done) / elapsed, "cpu_ms": cpu * 1000 / max(len(done), 1)}
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each run")
    parser.add_argument("--endpoints", default="250,2500,10000", help="comma-separated endpoint counts")
    parser.add_argument("--runs", type=int, default=1, help="runs per size (medians printed)")
    args = parser.parse_args()
    if shutil.which("nginx") is None:
        print("bench_probes: skipped, nginx is needed as the target (apt-get install nginx)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        nginx, port = start_nginx(folder)
        try:
            print(
                f"{'endpoints':>9} {'target/s':>8} | {'vigie/s':>8} {'lag p50':>8} {'lag p99':>8} "
                f"{'cpu ms':>7} {'rss MB':>7} {'down':>5} | {'bbox/s':>7} {'cpu ms':>7} | {'ratio':>5}"
            )
            for endpoints in (int(x) for x in args.endpoints.split(",")):
                vigie = [run_vigie(endpoints, port, args.seconds, folder) for _ in range(args.runs)]
                bbox = [run_blackbox(endpoints, port, args.seconds, folder) for _ in range(args.runs)]
                v = {k: statistics.median(r[k] for r in vigie) for k in vigie[0]}
                line = (
                    f"{endpoints:>9} {endpoints / INTERVAL:>8.1f} | {v['checks_s']:>8.1f} {v['lag_p50'] * 1000:>6.0f}ms "
                    f"{v['lag_p99'] * 1000:>6.0f}ms {v['cpu_ms']:>7.2f} {v['rss_mb']:>7.0f} {v['down']:>5.0f} | "
                )
                if all(b is not None for b in bbox):
                    b = {
                        k: statistics.median(r[k] for r in bbox if r is not None)
                        for k in ("checks_s", "cpu_ms")
                    }
                    line += f"{b['checks_s']:>7.1f} {b['cpu_ms']:>7.2f} | {v['cpu_ms'] / b['cpu_ms']:>5.2f}"
                else:
                    line += f"{'-':>7} {'-':>7} | {'-':>5}"
                print(line, flush=True)
        finally:
            nginx.terminate()
            nginx.wait(10)


if __name__ == "__main__":
    main()
