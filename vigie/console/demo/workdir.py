"""The demo's working directory: its config (rewritten at each start) and its history (once).

Layout of the directory::

    .vigie-demo        marks a directory `vigie demo` made (the only kind --fresh deletes)
    config.toml        written at each start: probes point at this run's loopback ports
    catalog/           written at each start: the sample catalog lived on to today
                       (:mod:`vigie.console.demo.catalog_today`)
    vigie.db           the measurement store (history + live results + tickets)
    flows.db           the flow store: simulated invoices, written afresh at each start
    history/           the generated CSVs: the simulated year, then the recent window
    history.json       written once the year is loaded, with what was loaded; its
                       "recent" part is updated at each start (the top-up)
    edi/in/            the exchange system's drop directory
    daemon.log         the probe daemon's log
"""

from __future__ import annotations

import json
import shutil
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2

import vigie
from vigie.catalog.loader import load_catalog
from vigie.console.demo.catalog_today import write_demo_catalog
from vigie.console.demo.flows_history import write_flows
from vigie.console.demo.history import (
    recent_bounds,
    recent_months,
    write_history,
    write_recent_tickets,
    write_window_samples,
)
from vigie.console.demo.invoices import write_invoices
from vigie.console.demo.scenario import Scenario
from vigie.console.errors import UserError
from vigie.console.measurements import open_store
from vigie.console.settings import Settings
from vigie.kernel.durations import format_duration
from vigie.kernel.text.language import Language
from vigie.probes.flows.ingest import EventReader, ingest_file
from vigie.probes.flows.store import FlowStore
from vigie.probes.ingest import ingest_samples
from vigie.probes.tickets.csvimport import import_csv
from vigie.probes.tickets.store import TicketStore
from vigie.reports.flows import routes_on_map

MARKER = ".vigie-demo"
DEMO_ZONE = ZoneInfo("Europe/Paris")  # the time zone of the demo's config.toml
LIVE_INTERVAL = 30.0
"""The live probes' interval: the history keeps its own 5-minute step (stored with its rows)."""
HISTORY_DONE = "history.json"
TEMPLATE = "config.toml.j2"


@dataclass(frozen=True)
class Workdir:
    """Paths inside a demo directory."""

    root: Path

    @property
    def config(self) -> Path:
        """The demo's config file."""
        return self.root / "config.toml"

    @property
    def flow_dir(self) -> Path:
        """The exchange system's EDI drop directory."""
        return self.root / "edi" / "in"

    @property
    def history_dir(self) -> Path:
        """Where the generated history CSVs go."""
        return self.root / "history"

    @property
    def catalog_dir(self) -> Path:
        """The demo's catalog, written at each start as of that day."""
        return self.root / "catalog"

    @property
    def daemon_log(self) -> Path:
        """The probe daemon's log file."""
        return self.root / "daemon.log"


def prepare(root: Path, fresh: bool) -> tuple[Workdir, bool]:
    """Create (or reuse, or with ``fresh`` recreate) a demo directory; returns it and whether it is new.

    Only a directory that `vigie demo` made (it holds ``.vigie-demo``) is reused or deleted.
    """
    marked = (root / MARKER).is_file()
    if root.exists() and not marked and (not root.is_dir() or any(root.iterdir())):
        raise UserError(
            f"--dir {root}: exists and is not a Vigie demo directory (no {MARKER}); choose another"
        )
    if fresh and marked:
        shutil.rmtree(root)
    new = not (root / MARKER).is_file()
    root.mkdir(parents=True, exist_ok=True)
    (root / MARKER).write_text("made by `vigie demo`; `vigie demo --fresh` deletes this directory\n")
    return Workdir(root), new


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (for the daemon's /metrics listener)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bundled_catalog() -> Path | None:
    """The sample catalog of a source checkout (``catalog/`` next to the package), if there."""
    folder = Path(vigie.__file__).resolve().parent.parent / "catalog"
    return folder if (folder / "applications.csv").is_file() else None


def write_config(
    workdir: Workdir,
    scenario: Scenario,
    ports: dict[str, int],
    exporter_port: int,
    language: str = "fr",
    status_port: int = 0,
    today: date | None = None,
    *,
    interval: float | None = None,
    path: Path | None = None,
    extra: str = "",
) -> Path:
    """Write the demo's config.toml for this run's ports, and its catalog as of ``today``
    (default: today in the demo's time zone); returns the config's path. ``interval``
    (default: :data:`LIVE_INTERVAL`), ``path`` and ``extra`` (appended tables) make the
    engine demo's variant."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("vigie.console.demo", "."),
        autoescape=False,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    bundled = bundled_catalog()
    catalog = None
    if bundled is not None:
        day = today or datetime.now(DEMO_ZONE).date()
        catalog = write_demo_catalog(bundled, workdir.catalog_dir, day)
    text = env.get_template(TEMPLATE).render(
        language=language,
        exporter_port=exporter_port,
        status_port=status_port or free_port(),
        # Absolute, as the flow directory: a path in config.toml is read from the file's folder.
        catalog=None if catalog is None else catalog.resolve().as_posix(),
        components=[c.id for c in scenario.components],
        ports=ports,
        interval=format_duration(interval or LIVE_INTERVAL),
        timeout=format_duration(min(10.0, interval or LIVE_INTERVAL)),
        flow_dir=workdir.flow_dir.resolve().as_posix(),
    )
    target = path or workdir.config
    target.write_text(text + extra, encoding="utf-8")
    return target


def history_loaded(workdir: Workdir) -> dict[str, object] | None:
    """What an earlier run loaded (None when the history is not loaded yet)."""
    path = workdir.root / HISTORY_DONE
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else None


def load_history(
    workdir: Workdir,
    scenario: Scenario,
    settings: Settings,
    say: Callable[[str], None],
) -> dict[str, object]:
    """Generate the simulated year and load it through the public import paths, once."""
    p = settings.probes
    lang = Language(settings.language)
    say(lang.t("cli.demo.generating", year=scenario.history_year))
    samples, tickets, summaries = write_history(
        scenario, p.components, p.maintenance, settings.timezone, workdir.history_dir
    )
    say(lang.t("cli.demo.importing", rows=lang.number(sum(s.rows for s in summaries)), file=samples.name))
    flows, _ = write_flows(scenario, p, workdir.history_dir)
    with open_store(settings) as store:
        stats = ingest_samples(store, samples, p)
        flow_stats = ingest_samples(store, flows, p)  # throughput: never counts in availability
    say(lang.t("cli.demo.importing_tickets", year=scenario.history_year, file=tickets.name))
    with TicketStore(settings.store_path(), p.store.busy_timeout) as store:
        result = import_csv(tickets, store, settings.tickets, progress=False)
    loaded: dict[str, object] = {
        "year": scenario.history_year,
        "results": stats.added,
        "results_per_s": round(stats.rate),
        "throughput_results": flow_stats.added,
        "tickets": result.stored,
        "availability": {s.component: s.availability for s in summaries},
    }
    save_history(workdir, loaded)
    return loaded


def save_history(workdir: Workdir, loaded: dict[str, object]) -> None:
    """Record what the directory's store holds (read back by :func:`history_loaded`)."""
    (workdir.root / HISTORY_DONE).write_text(json.dumps(loaded, indent=2), encoding="utf-8")


def top_up_recent(
    workdir: Workdir,
    scenario: Scenario,
    settings: Settings,
    now: datetime,
    say: Callable[[str], None],
    previous: dict[str, object] | None,
) -> dict[str, object]:
    """Bring the recent history up to ``now``: results for the last RECENT_DAYS days and
    tickets for the last RECENT_MONTHS months, through the same public import paths.

    Results start after the newest one stored (the history or an earlier run's live
    probing), so they never overlap what is there; on a first start that is RECENT_DAYS
    back. Tickets are written again from the month of the last top-up, so those still
    open then get their state at ``now`` (the import upserts on the ticket's id).
    Returns what the store now holds of the recent history.
    """
    p = settings.probes
    lang = Language(settings.language)
    with open_store(settings) as store:
        newest = max((r.ts for r in store.latest().values()), default=0.0)
    start, end = recent_bounds(scenario, datetime.fromtimestamp(newest + 1, UTC), now)
    since = previous.get("tickets_through") if previous else None
    months = recent_months(now, settings.timezone, tuple(since) if isinstance(since, list) else None)
    workdir.history_dir.mkdir(parents=True, exist_ok=True)
    samples, tickets = workdir.history_dir / "samples-recent.csv", workdir.history_dir / "tickets-recent.csv"
    added = 0
    if end > start:
        zone = settings.timezone
        say(
            lang.t(
                "cli.demo.recent_results",
                start=lang.date_time(start.astimezone(zone)),
                end=lang.date_time(end.astimezone(zone)),
            )
        )
        stream = ("recent", int(start.timestamp()))
        with samples.open("w", encoding="utf-8", newline="") as out:
            write_window_samples(
                scenario, p.components, p.maintenance, settings.timezone, start, end, out, stream
            )
        with open_store(settings) as store:
            added = ingest_samples(store, samples, p).added
    say(lang.t("cli.demo.recent_tickets", first=lang.month(*months[0]), last=lang.month(*months[-1])))
    with tickets.open("w", encoding="utf-8", newline="") as out:
        write_recent_tickets(scenario, settings.timezone, months, now, out)
    with TicketStore(settings.store_path(), p.store.busy_timeout) as store:
        result = import_csv(tickets, store, settings.tickets, progress=False)
    before = previous or {}
    return {
        "results_from": before.get("results_from", start.isoformat()),
        "results_to": end.isoformat(),
        "results_added": added,
        "tickets_from": list(months[0]) if previous is None else before.get("tickets_from", list(months[0])),
        "tickets_through": list(months[-1]),
        "tickets_written": result.rows,
    }


def load_invoices(
    workdir: Workdir, scenario: Scenario, settings: Settings, now: datetime, say: Callable[[str], None]
) -> dict[str, object]:
    """Simulate the last weeks of invoices up to ``now`` and ingest them into a new flow store
    (through `vigie flows ingest`'s path), with the integration reports of the recent files."""
    lang = Language(settings.language)
    store_path = settings.flow_store_path()
    for suffix in ("", "-wal", "-shm"):
        store_path.with_name(store_path.name + suffix).unlink(missing_ok=True)
    events = workdir.history_dir / "invoices.jsonl"
    invoices = write_invoices(events, now.timestamp(), scenario.seed)
    catalog = bundled_catalog()
    routes = routes_on_map(settings.flows, None if catalog is None else load_catalog(catalog))
    with FlowStore(store_path, settings.probes.store.busy_timeout) as store:
        ingest_file(events, store, routes, EventReader(routes))
        for name, content in invoices.reports:
            store.attach(name, content, None, now.timestamp())
    say(
        lang.t(
            "cli.demo.invoices",
            invoices=lang.number(invoices.invoices),
            events=lang.number(invoices.events),
            files=lang.number(invoices.files),
            flow=invoices.showcase[0],
        )
    )
    return {"invoices": invoices.invoices, "events": invoices.events, "stuck": list(invoices.stuck)}
