"""`vigie run`: the probe daemon (probes, store, alerts, /metrics and /push), or one round."""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import math
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import TYPE_CHECKING, Any

from vigie.accounting.results import Status

# cli imports this module to register it: reach UserError through the module at call time.
from vigie.console import cli
from vigie.console.catalog_input import catalog_collectors
from vigie.console.duration_args import duration_option
from vigie.console.oncall_input import oncall_parts
from vigie.console.output import print_json, print_table
from vigie.console.settings import Settings, config_path, load_settings
from vigie.kernel.text.language import MISSING, Language
from vigie.probes.secrets import ScrubbingFilter

if TYPE_CHECKING:
    from vigie.probes.scheduler import Measured
    from vigie.probes.sources import MetricsSource


def register(sub: Any) -> None:
    """Add `vigie run` to the CLI."""
    run = sub.add_parser(
        "run",
        help="the probe daemon: schedule probes, store results, alert, serve /metrics",
        description="Run the probes on their intervals, store their results, send alerts and "
        "serve /metrics, /push/<token> and POST /events. SIGINT/SIGTERM store the current batch and exit 0; "
        "SIGHUP (or vigie reload) reads the configuration again without a restart. "
        "With --once: run every probe once, store, print the results; exit 1 if any "
        "component is down. With --once --dry-run: the same, storing nothing.",
    )
    run.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help="configuration file")
    run.add_argument("--once", action="store_true", help="run every probe once, print the results and exit")
    run.add_argument(
        "--dry-run",
        action="store_true",
        help="with --once: measure and print, store nothing (no lock: safe beside a running daemon)",
    )
    run.add_argument("--for", dest="duration", metavar="DURATION", help="stop after this long (e.g. 10m)")
    run.add_argument("--json", action="store_true", help="with --once: print the results as JSON")
    run.add_argument("-v", "--verbose", action="store_true", help="log every batch written (JSON lines)")
    run.add_argument(
        "--agent",
        metavar="NAME",
        help="run as the probe agent NAME ([[agents]]): its probes, its own store, /metrics with agent labels",
    )
    run.set_defaults(handler=run_command)


def run_command(args: argparse.Namespace) -> int:
    """Start the daemon (or one round with --once)."""
    duration = duration_option("--for", args.duration)
    if args.dry_run and not args.once:
        raise cli.UserError("--dry-run goes with --once (the daemon always stores)")
    path = config_path(getattr(args, "config", None))
    settings = load_settings(path)
    _configure_logging(args.verbose)
    if args.agent is not None:
        return _run_agent(args, settings, duration)
    config = settings.probes
    if args.dry_run:
        from vigie.probes.daemon import dry_run

        return _report(dry_run(config), args.json, Language(settings.language))
    if args.once:
        config = dataclasses.replace(config, exporter=dataclasses.replace(config.exporter, enabled=False))
    # Imported here: the daemon pulls in requests and prometheus_client, which every
    # other command would otherwise pay for at start-up.
    from vigie.console.flow_input import daemon_routes, flow_collector, flow_recorder
    from vigie.probes.daemon import AlreadyRunning, CannotListen, Daemon
    from vigie.probes.tickets.metrics import TicketCollector
    from vigie.reports.metrics import AvailabilityCollector

    tickets = TicketCollector(settings.store_path(), config.store.busy_timeout)
    availability = AvailabilityCollector(config, settings.store_path(), engine=_engine(settings))
    # One round sends no alert (no state change): no delivery, no ticket.
    oncall, incident_tickets = (None, None) if args.once else oncall_parts(settings)
    routes, hops = daemon_routes(settings)
    flows = flow_collector(settings, routes)
    try:
        daemon = Daemon(
            config,
            settings.store_path(),
            extra_collectors=(*catalog_collectors(settings), tickets, availability, flows),
            oncall=oncall,
            incident_tickets=incident_tickets,
            flows=flow_recorder(settings, routes, hops),
        )
    except (AlreadyRunning, CannotListen) as exc:
        flows.close()
        availability.close()
        tickets.close()
        raise cli.UserError(str(exc)) from None
    with daemon:
        try:
            if args.once:
                return _report(daemon.once(), args.json, Language(settings.language))
            stop, reload = threading.Event(), threading.Event()
            # The /metrics collectors built here follow a reloaded configuration too.
            daemon.on_reload.append(partial(setattr, availability, "config"))
            with _stop_on_signals(stop, reload):
                if daemon.server is not None:
                    logging.getLogger("vigie").info(f'{{"event": "listening", "url": "{daemon.server.url}"}}')
                daemon.run(stop, duration, reload, lambda: load_settings(path).probes)
        finally:
            flows.close()
            availability.close()
            tickets.close()
    return cli.EXIT_OK


def _engine(settings: Settings) -> MetricsSource | None:
    """The engine /metrics' availability windows read, when ``[measurements]`` names one."""
    if settings.measurements.source != "prometheus":
        return None
    from vigie.probes.promql import PromClient, PromQLSource

    return PromQLSource(PromClient(settings.measurements), settings.probes)


def _run_agent(args: argparse.Namespace, settings: Settings, duration: float | None) -> int:
    """`vigie run --agent NAME`: the agent's share of the probes, its store, its /metrics."""
    from vigie.probes.agent import Agent
    from vigie.probes.daemon import AlreadyRunning, CannotListen

    names = [a.name for a in settings.probes.agents]
    if args.agent not in names:
        known = ", ".join(names) if names else "none declared"
        raise cli.UserError(f"--agent: no agent named '{args.agent}' in [[agents]] ({known})")
    try:
        agent = Agent(settings.probes, args.agent, settings.file.parent)
    except (AlreadyRunning, CannotListen) as exc:
        raise cli.UserError(str(exc)) from None
    with agent:
        if args.once:
            return _report(agent.once(), args.json, Language(settings.language))
        stop = threading.Event()
        # An agent reads its configuration at start only: SIGHUP is caught and has no effect
        # (restart the agent to apply a change).
        with _stop_on_signals(stop, threading.Event()):
            logging.getLogger("vigie").info(
                json.dumps({"event": "listening", "agent": args.agent, "url": agent.server.url})
            )
            agent.run(stop, duration)
    return cli.EXIT_OK


def _configure_logging(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(ScrubbingFilter())
    root = logging.getLogger("vigie")
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    root.propagate = False


@contextmanager
def _stop_on_signals(stop: threading.Event, reload: threading.Event) -> Iterator[None]:
    """SIGINT and SIGTERM set ``stop`` (the scheduler then stores its batch and returns);
    SIGHUP sets ``reload`` (the daemon reads its configuration again)."""
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    for sig in previous:
        flag = reload if sig == signal.SIGHUP else stop
        signal.signal(sig, lambda *_, flag=flag: flag.set())
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _report(measured: list[Measured], as_json: bool, lang: Language) -> int:
    results = sorted((m.result for m in measured), key=lambda r: (r.component, r.probe))
    if as_json:
        print_json(
            [
                {
                    "component": r.component,
                    "probe": r.probe,
                    "ts": r.ts,
                    "status": str(r.status),
                    "latency_ms": r.latency_ms,
                    "value": r.value,
                    "detail": r.detail,
                }
                for r in results
            ]
        )
    else:
        columns = ("component", "probe", "status", "latency", "value", "detail")
        print_table(
            [lang.t(f"cli.run.col.{c}") for c in columns],
            [
                [
                    r.component,
                    r.probe,
                    lang.t(f"state.{r.status}"),
                    lang.latency(r.latency_ms),
                    MISSING if r.value is None else _rate(r.value, lang),
                    r.detail,
                ]
                for r in results
            ],
            right=(3, 4),
        )
    return cli.EXIT_FINDING if any(r.status is Status.DOWN for r in results) else cli.EXIT_OK


def _rate(per_second: float, lang: Language) -> str:
    """A measured rate with three significant digits: ``0,0231/s``, ``152/s``."""
    digits = 0 if per_second == 0 else max(0, 2 - math.floor(math.log10(abs(per_second))))
    return lang.t("cli.run.per_second", value=lang.number(per_second, digits))
