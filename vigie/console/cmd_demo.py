"""`vigie demo`: a simulated SI Chorus on loopback, its 2017 history, the daemon and the console."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vigie.console.demo.engine import ENGINES, EngineRun, EngineSummary, summarize_engine
from vigie.console.demo.runner import DemoRun, Summary, summarize
from vigie.console.demo.scenario import Scenario, load_scenario
from vigie.console.demo.simsi import SimulatedSI
from vigie.console.demo.workdir import (
    DEMO_ZONE,
    Workdir,
    free_port,
    history_loaded,
    load_history,
    load_invoices,
    prepare,
    save_history,
    top_up_recent,
    write_config,
)
from vigie.console.duration_args import duration_option
from vigie.console.errors import EXIT_FINDING, EXIT_OK, UserError
from vigie.console.output import print_json, print_table
from vigie.console.settings import load_settings
from vigie.kernel.durations import format_duration
from vigie.kernel.text.language import MISSING, Language

if TYPE_CHECKING:
    from vigie.console.tui.app import VigieApp

DEFAULT_HEADLESS = 60.0
CLOSE_GRACE = 10.0  # seconds the console has to close after a signal before the demo leaves without it
LANG = Language("fr")  # the demo's config.toml says `language = "fr"` (written by write_config)


def register(sub: Any) -> None:
    """Add `vigie demo` to the CLI."""
    demo = sub.add_parser(
        "demo",
        help="a simulated SI Chorus on loopback, its 2017 history, the probe daemon and the console",
        description="Create (or reuse) a demo directory with its own config.toml, load a simulated "
        "2017 history (results and tickets, shaped after the 2017 activity report's figures) once, "
        "top up a simulated recent history (the last 30 days of results, 12 months of tickets) to now, "
        "start the simulated SI Chorus on 127.0.0.1 and the probe daemon (/metrics on 127.0.0.1), "
        "and open the console; q stops everything. --headless runs without the console and prints "
        "a summary (exit 1 when a component has no results or /metrics does not answer).",
    )
    demo.add_argument(
        "--dir", default="demo-data", metavar="DIR", help="working directory (default ./demo-data)"
    )
    demo.add_argument("--fresh", action="store_true", help="delete the demo directory first and start over")
    demo.add_argument("--headless", action="store_true", help="no console: run, then print a summary")
    demo.add_argument(
        "--for",
        dest="duration",
        metavar="DURATION",
        help=f"stop after this long (e.g. 60s, 5m; default with --headless: {format_duration(DEFAULT_HEADLESS)})",
    )
    demo.add_argument("--scenario", metavar="FILE", help="a scenario TOML file (default: the bundled one)")
    demo.add_argument("--json", action="store_true", help="with --headless: print the summary as JSON")
    demo.add_argument(
        "--engine",
        choices=tuple(ENGINES),
        help="scale-out: two agents (two sites) scraped by a real Prometheus or VictoriaMetrics on "
        "loopback, the console and the summary reading through it",
    )
    demo.set_defaults(handler=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    """Set up the demo directory, then run the simulated SI, the daemon and the console."""
    if getattr(args, "config", None):
        raise UserError("--config: the demo writes its own configuration (DIR/config.toml); use --dir")
    duration = duration_option("--for", args.duration)
    if args.headless and duration is None:
        duration = DEFAULT_HEADLESS
    if args.json and not args.headless:
        raise UserError("--json goes with --headless (the console is interactive)")
    scenario = load_scenario(Path(args.scenario) if args.scenario else None)
    workdir, _ = prepare(Path(args.dir), args.fresh)
    si = SimulatedSI(scenario, DEMO_ZONE, workdir.flow_dir)
    with _interrupt_on_signals():
        summary = _run(args, duration, scenario, workdir, si)
    if summary is None:
        return EXIT_OK
    if isinstance(summary, EngineSummary):
        if args.json:
            print_json(dataclasses.asdict(summary) | {"healthy": summary.healthy})
        else:
            _print_engine_summary(summary)
        return EXIT_OK if summary.healthy else EXIT_FINDING
    if args.json:
        print_json(dataclasses.asdict(summary) | {"healthy": summary.healthy})
    else:
        _print_summary(summary)
    return EXIT_OK if summary.healthy else EXIT_FINDING


def _run(
    args: argparse.Namespace, duration: float | None, scenario: Scenario, workdir: Workdir, si: SimulatedSI
) -> Summary | EngineSummary | None:
    """Load the history if needed, then run; the headless summary (None after the console)."""
    try:
        config = write_config(workdir, scenario, si.bind(), free_port(), LANG.code, free_port())
        settings = load_settings(config)
        si.maintenance = settings.probes.maintenance
        history = history_loaded(workdir)
        if history is None:
            history = load_history(workdir, scenario, settings, _say)
        else:
            _say(LANG.t("cli.demo.history_loaded", year=history.get("year"), root=workdir.root))
        # The recent window follows the clock: topped up to now at every start.
        recent = history.get("recent")
        history["recent"] = top_up_recent(
            workdir,
            scenario,
            settings,
            datetime.now(UTC),
            _say,
            recent if isinstance(recent, dict) else None,
        )
        history["invoices"] = load_invoices(workdir, scenario, settings, datetime.now(UTC), _say)
        save_history(workdir, history)
        if args.engine:
            return _run_engine(args, duration, scenario, workdir, si)
        with DemoRun(workdir, settings, si) as run:
            _say(LANG.t("cli.demo.started", url=run.metrics_url))
            _say(LANG.t("cli.demo.status", url=run.status_url))
            if not args.headless:
                _console(run, duration)
                return None
            assert duration is not None
            _wait(duration)
            return summarize(run, history, scenario.history_year)
    finally:
        si.stop()


def _run_engine(
    args: argparse.Namespace, duration: float | None, scenario: Scenario, workdir: Workdir, si: SimulatedSI
) -> EngineSummary | None:
    """The engine demo: the simulated SI, the engine and two agents; the console or a summary."""
    with EngineRun(args.engine, workdir, scenario, si, LANG.code) as run:
        assert run.engine is not None and run.settings is not None
        _say(LANG.t("cli.demo.engine_started", engine=args.engine, url=run.engine.url, config=run.config))
        if not args.headless:
            from vigie.console.tui.app import VigieApp

            _run_console(VigieApp(run.settings, source="prometheus"), run.stop, duration)
            return None
        assert duration is not None
        _wait(duration)
        return summarize_engine(run)


def _say(message: str) -> None:
    """Progress for people, on stderr (stdout stays clean for --json)."""
    sys.stderr.write(f"vigie demo: {message}\n")
    sys.stderr.flush()


@contextmanager
def _interrupt_on_signals() -> Iterator[None]:
    """SIGTERM and SIGHUP interrupt like Ctrl+C while setting up or tearing down, so the
    daemon and the simulated SI are always stopped on the way out."""

    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt

    signals = (signal.SIGTERM, signal.SIGHUP)
    previous = {sig: signal.getsignal(sig) for sig in signals}
    for sig in signals:
        signal.signal(sig, interrupt)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGINT, SIGTERM and SIGHUP end the run cleanly instead of killing the process."""
    signals = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {sig: signal.getsignal(sig) for sig in signals}
    for sig in signals:
        signal.signal(sig, lambda *_: stop.set())
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _wait(duration: float) -> None:
    stop = threading.Event()
    with _stop_on_signals(stop):
        stop.wait(duration)


def _console(run: DemoRun, duration: float | None) -> None:
    """Open the console over the demo's store; it returns when the user presses q."""
    from vigie.console.tui.app import VigieApp

    _run_console(VigieApp(run.settings), run.stop, duration)


def _run_console(app: VigieApp, stop_children: Callable[[], None], duration: float | None) -> None:
    """Run the console until q, a signal or ``duration``; ``stop_children`` if it hangs on its way out."""
    stop, finished = threading.Event(), threading.Event()

    def close_app() -> None:
        # A signal or --for ends the console as q would; not once it has closed by itself.
        stop.wait(duration)
        if finished.is_set():
            return
        threading.Thread(target=force_out, daemon=True, name="demo-force-out").start()
        with contextlib.suppress(RuntimeError):  # it closed meanwhile
            app.call_from_thread(app.exit)

    def force_out() -> None:
        # A console whose terminal has gone (closed pty) spins, then hangs on its way out:
        # stop the children and leave anyway. Nothing is written: the terminal is gone.
        if finished.wait(CLOSE_GRACE):
            return
        stop_children()
        os._exit(EXIT_OK)

    with _stop_on_signals(stop):
        threading.Thread(target=close_app, daemon=True, name="demo-close").start()
        try:
            app.run()
        finally:
            finished.set()
            stop.set()


def _count(value: object) -> str:
    """A count from the history record (written by this version: an int), as a number."""
    return LANG.number(value) if isinstance(value, int) else MISSING


def _print_summary(summary: Summary) -> None:
    t, year = LANG.t, summary.history.get("year")
    print(t("cli.demo.ran", duration=LANG.duration(summary.seconds)))
    rows = [
        [
            c.name,
            c.id,
            LANG.number(c.results),
            MISSING if c.status is None else LANG.label("state", c.status),
            LANG.latency(c.latency_ms),
            MISSING if c.metrics_up is None else t("common.yes" if c.metrics_up else "common.no"),
            LANG.percent(c.history_availability),
            LANG.percent(c.history_coverage, 1),
        ]
        for c in summary.components
    ]
    columns = ("component", "id", "results", "state", "latency", "metrics", "availability", "coverage")
    print_table([t(f"cli.demo.col.{c}", year=year) for c in columns], rows, right=(2, 4, 6, 7))
    print(
        t(
            "cli.demo.metrics",
            answer=t("cli.demo.metrics_ok" if summary.metrics_ok else "cli.demo.metrics_down"),
            families=LANG.number(summary.metrics_families),
            received=LANG.number(summary.flows_received),
            consumed=LANG.number(summary.flows_consumed),
            waiting=LANG.number(summary.flows_waiting),
            calls=LANG.number(summary.api_calls),
        )
    )
    print(
        t(
            "cli.demo.history",
            year=year,
            results=_count(summary.history.get("results")),
            tickets=_count(summary.history.get("tickets")),
        )
    )


def _print_engine_summary(summary: EngineSummary) -> None:
    """What the engine saw: each component's state now and its figures over the run, beside
    the agents' own stores; failures seen from one site only."""
    t = LANG.t
    print(
        t(
            "cli.demo.engine_ran",
            engine=summary.engine,
            url=summary.url,
            duration=LANG.duration(summary.seconds),
        )
    )
    if summary.error:
        print(t("cli.demo.engine_error", error=summary.error))
        return
    rows = [
        [
            c.name,
            MISSING if c.state is None else LANG.label("state", c.state),
            LANG.percent(c.availability),
            LANG.duration(c.down_s),
            LANG.duration(c.unknown_s),
            LANG.percent(c.stores_availability),
            "; ".join(
                t("state.site_down", agents=", ".join(f.agents)) + f" ({LANG.duration(f.duration_s)})"
                for f in c.site_failures
            ),
        ]
        for c in summary.components
    ]
    columns = ("component", "state", "availability", "down", "unknown", "stores", "sites")
    print_table([t(f"cli.demo.engine_col.{c}") for c in columns], rows, right=(2, 3, 4, 5))
    print(
        t(
            "cli.demo.engine_agents",
            agents=", ".join(
                f"{name} ({t('common.yes') if alive else t('common.no')})"
                for name, alive in summary.agents.items()
            ),
        )
    )
