"""The probes' part of `config.toml`: components, SLA targets, schedules, policy, probes,
maintenance windows, store and exporter, as typed dataclasses.

Loading never stops at the first problem: every bad value is recorded on the
:class:`~vigie.kernel.tomlfile.Document` and the caller raises once with all of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from vigie.accounting.terms import DAYS, QUORUMS, MaintenanceWindow, Policy, Schedule, ScheduleWindow
from vigie.accounting.timeline import DEFAULT_INTERVAL
from vigie.kernel.durations import parse_clock
from vigie.kernel.tomlfile import Document, Section
from vigie.probes import jsonpath
from vigie.probes.secrets import Secret

PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "month": 30 * 86400}
ID_PATTERN = r"[a-z0-9][a-z0-9_.-]*"


def parse_days(value: Any) -> frozenset[int]:
    """Parse ``"mon-fri"``, ``"sat"``, ``["mon", "wed"]`` or ``"mon,wed,fri"`` into weekday numbers."""
    items = value if isinstance(value, list) else str(value).split(",")
    days: set[int] = set()
    for item in items:
        if not isinstance(item, str):
            raise ValueError("days must be names like 'mon' or ranges like 'mon-fri'")
        item = item.strip().lower()
        if "-" in item:
            first, _, last = item.partition("-")
            if first not in DAYS or last not in DAYS:
                raise ValueError(f"'{item}' is not a day range like 'mon-fri'")
            a, b = DAYS.index(first), DAYS.index(last)
            days.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
        elif item in DAYS:
            days.add(DAYS.index(item))
        else:
            raise ValueError(f"'{item}' is not a day (use {', '.join(DAYS)})")
    if not days:
        raise ValueError("no day given")
    return frozenset(days)


@dataclass(frozen=True)
class Capacity:
    """Nominal capacity of a component: ``value`` units per ``per`` (a period name), judged
    over ``window`` seconds (None: the period's default, see :mod:`vigie.probes.capacity`)."""

    value: float
    unit: str
    per: str
    window: float | None = None

    @property
    def per_second(self) -> float:
        """Capacity as a rate per second (a month counts as 30 days)."""
        return self.value / PERIODS[self.per]


@dataclass(frozen=True)
class Component:
    """A supervised component with its SLA target (a ratio, 0.98 for 98 %)."""

    id: str
    name: str
    target: float
    schedule: Schedule
    policy: Policy
    latency_threshold: float | None = None
    capacity: Capacity | None = None
    description: str = ""
    application: str | None = None
    agents: tuple[str, ...] = ()
    runbook: str | None = None
    ticket_after: float | None = None

    @property
    def severity(self) -> str:
        """How its outages are called out: ``page`` (at any hour) for a 24x7 component,
        ``ticket`` (in business hours) for one with service hours."""
        return "ticket" if self.schedule.windows else "page"


@dataclass(frozen=True)
class HttpOptions:
    """Options of an HTTP(S) probe."""

    url: str
    method: str = "GET"
    headers: tuple[tuple[str, Secret], ...] = ()
    expect_status: tuple[int, ...] = (200,)
    body_regex: str | None = None
    json_path: str | None = None
    json_equals: Any = None
    verify_tls: bool = True
    ca_file: str | None = None
    max_redirects: int = 3
    max_body_bytes: int = 1_000_000
    cert_warning_days: int = 21
    allow_insecure_redirects: bool = False


@dataclass(frozen=True)
class TcpOptions:
    """Options of a TCP connect probe."""

    host: str
    port: int


@dataclass(frozen=True)
class DnsOptions:
    """Options of a DNS resolution probe (through the system resolver)."""

    name: str
    family: str = "any"
    expect_addresses: tuple[str, ...] = ()


@dataclass(frozen=True)
class HostOptions:
    """Options of a local host probe (psutil): a process present, CPU, memory, disk.

    A missing process is ``down``; a usage over its threshold (percent) is ``degraded``.
    """

    process: str | None = None
    cpu_max: float | None = None
    memory_max: float | None = None
    disk_path: str = "/"
    disk_max: float | None = None


@dataclass(frozen=True)
class FileflowOptions:
    """Options of a file-flow probe (an EDI drop directory).

    Throughput is the files that arrived (by modification time) during the last
    interval, as a rate per second; backlog is the age of the oldest file still waiting.
    """

    path: str
    pattern: str = "*"
    backlog_degraded: float | None = None
    backlog_down: float | None = None


@dataclass(frozen=True)
class CounterOptions:
    """Options of a throughput counter: a number from a JSON endpoint or a PromQL query.

    ``mode`` ``counter`` turns successive readings of a growing total into a rate per
    second; ``rate`` takes the reading as already a rate per second.
    """

    source: str
    url: str
    json_path: str | None = None
    query: str | None = None
    mode: str = "counter"
    headers: tuple[tuple[str, Secret], ...] = ()
    verify_tls: bool = True


@dataclass(frozen=True)
class HeartbeatOptions:
    """Options of a push heartbeat: the component POSTs to ``/push/<token>``.

    No beat for longer than ``max_silence`` (default twice the probe's interval) is ``down``.
    """

    token: Secret
    max_silence: float | None = None


@dataclass(frozen=True)
class ProbeConfig:
    """One probe: what it measures, for which component, how often.

    ``role`` says what the probe feeds: ``availability`` (its results decide the
    component's state) or ``throughput`` (its values are rates, not states).
    ``options`` holds the kind's own dataclass (e.g. :class:`HttpOptions`).
    """

    id: str
    component: str
    kind: str
    interval: float
    timeout: float
    role: str
    options: Any
    latency_threshold: float | None = None
    agents: tuple[str, ...] = ()


@dataclass(frozen=True)
class StoreConfig:
    """Where measurements live and how long raw samples are kept."""

    path: str = "vigie.db"
    retention: float = 35 * 86400
    busy_timeout: float = 10.0


@dataclass(frozen=True)
class ExporterConfig:
    """The daemon's HTTP server: /metrics and /push. Loopback unless configured."""

    host: str = "127.0.0.1"
    port: int = 9464
    enabled: bool = True


@dataclass(frozen=True)
class SchedulerConfig:
    """How the daemon runs probes and how often results are written.

    HTTP and TCP checks run on one event loop, at most ``concurrency`` at a time; the
    blocking kinds (DNS, host, file-flow, counter) on ``workers`` threads.
    """

    workers: int = 16
    concurrency: int = 512
    flush_interval: float = 1.0


@dataclass(frozen=True)
class AlertsConfig:
    """Where and how often alerts go: a JSON log line always, a webhook when configured, and
    Alertmanager (the first of ``alertmanager`` that answers) when listed.

    ``flap_changes`` state changes within ``flap_window`` mark a component as flapping:
    its further changes are held back (one "flapping" notice) until it is stable again.
    Firing alerts are posted again every ``resend_every``; at most ``queue`` alerts wait
    while no Alertmanager answers. An acknowledgement lasts ``ack_for`` (renewed while the
    alert fires). ``labels`` are added to every alert (e.g. the site).
    """

    webhook: Secret | None = None
    alertmanager: tuple[str, ...] = ()
    resend_every: float = 60.0
    queue: int = 10_000
    ack_for: float = 4 * 3600.0
    labels: tuple[tuple[str, str], ...] = ()
    timeout: float = 5.0
    retries: int = 3
    backoff: float = 1.0
    reminder_every: float = 30 * 60.0
    flap_window: float = 10 * 60.0
    flap_changes: int = 4
    capacity: bool = True
    capacity_clear: float = 0.9


@dataclass(frozen=True)
class AgentConfig:
    """A probe agent: a site that runs its share of the probes (`vigie run --agent NAME`),
    keeps them in its own store and serves them on /metrics for Prometheus to scrape.

    ``host``/``port`` is where it listens; ``address`` where Prometheus reaches it (default
    ``host:port``); ``store`` its own SQLite buffer (default ``agent-NAME.db``), raw results
    kept ``retention`` seconds; ``scrape_interval`` the scrape interval `vigie deploy` writes
    (default: the shortest interval of its probes).
    """

    name: str
    host: str = "127.0.0.1"
    port: int = 9465
    address: str = ""
    store: str = ""
    retention: float = 7 * 86400.0
    scrape_interval: float | None = None

    @property
    def target(self) -> str:
        """``host:port`` Prometheus scrapes."""
        return self.address or f"{self.host}:{self.port}"

    @property
    def store_file(self) -> str:
        """The agent's store, relative to the config file's folder unless absolute."""
        return self.store or f"agent-{self.name}.db"


@dataclass(frozen=True)
class ProbesConfig:
    """Everything the probes package needs from the config file."""

    timezone: ZoneInfo
    policy: Policy
    components: tuple[Component, ...]
    probes: tuple[ProbeConfig, ...]
    maintenance: tuple[MaintenanceWindow, ...]
    store: StoreConfig
    exporter: ExporterConfig
    scheduler: SchedulerConfig = field(default_factory=SchedulerConfig)
    alerts: AlertsConfig = field(default_factory=AlertsConfig)
    agents: tuple[AgentConfig, ...] = ()

    def throughput_probes(self, component_id: str) -> frozenset[str]:
        """The component's throughput-role probes: their results never count for availability."""
        return frozenset(p.id for p in self.probes if p.component == component_id and p.role == "throughput")

    def component(self, component_id: str) -> Component:
        """The component with this id (KeyError if none)."""
        for comp in self.components:
            if comp.id == component_id:
                return comp
        raise KeyError(component_id)


# --- loading ------------------------------------------------------------------------------

PROBE_KINDS = ("http", "tcp", "dns", "host", "fileflow", "counter", "heartbeat")


def load_probes_config(doc: Document, timezone: ZoneInfo) -> ProbesConfig:
    """Read the probes' sections of a config document; problems are recorded on ``doc``."""
    policy = _policy(doc.section("policy"), Policy())
    sections = {name: doc.array(name) for name in ("components", "probes", "maintenance")}
    for name, tables in sections.items():
        _check_unique(doc, name, tables)
    agent_tables = doc.array("agents")
    _check_unique(doc, "agents", agent_tables, "name")
    agents = [_agent(s) for s in agent_tables]
    names = {s.data["name"] for s in agent_tables if isinstance(s.data.get("name"), str)}
    components = [_component(s, policy, timezone, names) for s in sections["components"]]
    # Ids of components with other problems still count, so one mistake is reported once.
    known = {s.data["id"] for s in sections["components"] if isinstance(s.data.get("id"), str)}
    probes = [_probe(s, known, names) for s in sections["probes"]]
    maintenance = [_maintenance(s, known) for s in sections["maintenance"]]
    return ProbesConfig(
        timezone=timezone,
        policy=policy,
        components=tuple(c for c in components if c is not None),
        probes=tuple(p for p in probes if p is not None),
        maintenance=tuple(m for m in maintenance if m is not None),
        store=_store(doc.section("store")),
        exporter=_exporter(doc.section("exporter")),
        scheduler=_scheduler(doc.section("scheduler")),
        alerts=_alerts(doc.section("alerts")),
        agents=tuple(a for a in agents if a is not None),
    )


def _check_unique(doc: Document, table: str, sections: list[Section], key: str = "id") -> None:
    """Report duplicate ids, judged on the raw tables so an invalid twin still counts."""
    seen: dict[str, int] = {}
    for index, sec in enumerate(sections):
        ident = sec.data.get(key)
        if not isinstance(ident, str):
            continue
        if ident in seen:
            doc.problem(
                (table, index, key),
                f"duplicate {key} '{ident}' (first at {table}[{seen[ident] + 1}])",
            )
        else:
            seen[ident] = index


def _policy(sec: Section | None, base: Policy) -> Policy:
    if sec is None:
        return base
    policy = Policy(
        exclude_maintenance=_or(sec.boolean("exclude_maintenance"), base.exclude_maintenance),
        confirm_after=_or(sec.integer("confirm_after", minimum=1, maximum=100), base.confirm_after),
        pending_counts_as_down=_or(sec.boolean("pending_counts_as_down"), base.pending_counts_as_down),
        ignore_blips_shorter_than=_or(
            sec.duration("ignore_blips_shorter_than", maximum=86400), base.ignore_blips_shorter_than
        ),
        quorum=_quorum(sec, base.quorum),
    )
    sec.done()
    return policy


def _or(value: Any, default: Any) -> Any:
    return default if value is None else value


def _quorum(sec: Section, default: str | int) -> str | int:
    value = sec.raw("quorum")
    if value is None:
        return default
    if (isinstance(value, str) and value in QUORUMS) or (
        isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 100
    ):
        return value
    sec.problem("quorum", 'must be "majority", "any", "all" or a number of agents (1-100)')
    return default


def _agent_names(sec: Section, agents: set[str]) -> tuple[str, ...]:
    """The ``agents`` a component or probe runs on, each a declared ``[[agents]]`` name."""
    names = sec.string_list("agents", []) or []
    for name in names:
        if name not in agents:
            sec.problem("agents", f"no agent named '{name}' (declare it in [[agents]])")
    return tuple(n for n in names if n in agents)


def _agent(sec: Section) -> AgentConfig | None:
    name = sec.string("name", required=True, pattern=ID_PATTERN)
    base = AgentConfig("")
    host = sec.string("host", base.host) or base.host
    port = _or(sec.integer("port", minimum=0, maximum=65535), base.port)
    address = sec.string("address", "", pattern=r"[^\s/]+:\d+", what="host:port") or ""
    store = sec.string("store", "") or ""
    retention = _or(sec.duration("retention", minimum=3600), base.retention)
    scrape = sec.duration("scrape_interval", minimum=1, maximum=3600)
    sec.done()
    if name is None:
        return None
    return AgentConfig(name, host, port, address, store, retention, scrape)


def _schedule(sec: Section, timezone: ZoneInfo) -> Schedule:
    tz = sec.timezone("timezone") or timezone
    value = sec.raw("schedule", "24x7")
    if value == "24x7":
        return Schedule((), tz)
    entries = value if isinstance(value, list) else [value]
    windows = []
    for entry in entries:
        if not isinstance(entry, dict) or set(entry) - {"days", "hours"} or "hours" not in entry:
            sec.problem(
                "schedule",
                'must be "24x7" or a table like { days = "mon-fri", hours = "08:30-18:30" }',
            )
            return Schedule((), tz)
        try:
            days = parse_days(entry.get("days", "mon-sun"))
            start, end = _hours(entry["hours"])
        except ValueError as exc:
            sec.problem("schedule", str(exc))
            return Schedule((), tz)
        windows.append(ScheduleWindow(days, start, end))
    return Schedule(tuple(windows), tz)


def _hours(text: Any) -> tuple[time, time]:
    if not isinstance(text, str) or "-" not in text:
        raise ValueError(f"hours '{text}' must look like 08:30-18:30")
    first, _, last = text.partition("-")
    start, end = parse_clock(first), parse_clock(last)
    if start == time.max or (end != time.max and end <= start):
        raise ValueError(f"hours '{text}': the end must come after the start")
    return start, end


def _capacity(sec: Section) -> Capacity | None:
    table = sec.table("capacity")
    if table is None:
        return None
    value = table.number("value", required=True, minimum=0, exclusive_minimum=True)
    per = table.string("per", "day", choices=tuple(PERIODS))
    unit = table.string("unit", "requests")
    window = table.duration("window", minimum=1, maximum=31 * 86400)
    table.done()
    if value is None or per is None or unit is None:
        return None
    return Capacity(value, unit, per, window)


def _component(sec: Section, policy: Policy, timezone: ZoneInfo, agents: set[str]) -> Component | None:
    cid = sec.string("id", required=True, pattern=ID_PATTERN)
    name = sec.string("name", cid)
    target = sec.number("target", required=True, minimum=0, maximum=100, exclusive_minimum=True)
    schedule = _schedule(sec, timezone)
    own_policy = _policy(sec.table("policy"), policy)
    latency = sec.duration("latency_threshold", minimum=0.001)
    capacity = _capacity(sec)
    description = sec.string("description", "")
    application = sec.string("application")
    on = _agent_names(sec, agents)
    runbook = sec.string("runbook", pattern=r"https?://\S+", what="an http(s) URL")
    ticket_after = sec.duration("ticket_after", minimum=60, maximum=30 * 86400)
    sec.done()
    if cid is None or target is None or name is None:
        return None
    return Component(
        id=cid,
        name=name,
        target=target / 100,
        schedule=schedule,
        policy=own_policy,
        latency_threshold=latency,
        capacity=capacity,
        description=description or "",
        application=application,
        agents=on,
        runbook=runbook,
        ticket_after=ticket_after,
    )


def _probe(sec: Section, components: set[str], agents: set[str]) -> ProbeConfig | None:
    pid = sec.string("id", required=True, pattern=ID_PATTERN)
    component = sec.string("component", required=True)
    if component is not None and component not in components:
        sec.problem("component", f"no component with id '{component}'")
        component = None
    kind = sec.string("kind", required=True, choices=PROBE_KINDS)
    interval = sec.duration("interval", 30.0, minimum=1, maximum=86400)
    # The default timeout never exceeds the interval: a 5 s heartbeat needs no timeout written.
    timeout = sec.duration("timeout", min(10.0, interval or 10.0), minimum=0.1, maximum=600)
    role = sec.string("role", "availability", choices=("availability", "throughput"))
    latency = sec.duration("latency_threshold", minimum=0.001)
    if interval is not None and timeout is not None and timeout > interval:
        sec.problem("timeout", "must not be longer than the probe's interval")
    options = _PROBE_OPTIONS[kind](sec) if kind in _PROBE_OPTIONS else None
    on = _agent_names(sec, agents)
    sec.done()
    if None in (pid, component, kind, interval, timeout, role, options):
        return None
    assert pid and component and kind and interval and timeout and role
    return ProbeConfig(pid, component, kind, interval, timeout, role, options, latency, on)


def _http_options(sec: Section) -> HttpOptions | None:
    url = sec.string("url", required=True, pattern=r"https?://\S+")
    method = sec.string("method", "GET", choices=("GET", "HEAD", "POST"))
    headers = _headers(sec)
    statuses = sec.raw("expect_status", [200])
    if isinstance(statuses, int) and not isinstance(statuses, bool):
        statuses = [statuses]
    if not isinstance(statuses, list) or not all(
        isinstance(s, int) and not isinstance(s, bool) and 100 <= s <= 599 for s in statuses
    ):
        sec.problem("expect_status", "must be an HTTP status or an array of them (100-599)")
        statuses = [200]
    body_regex = sec.string("body_regex")
    if body_regex is not None:
        try:
            re.compile(body_regex)
        except re.error as exc:
            sec.problem("body_regex", f"not a valid regular expression: {exc}")
    json_path = _json_path(sec)
    json_equals = sec.raw("json_equals")
    verify = sec.boolean("verify_tls", True)
    ca_file = sec.string("ca_file")
    redirects = sec.integer("max_redirects", 3, minimum=0, maximum=20)
    insecure = sec.boolean("allow_insecure_redirects", False)
    max_body = sec.integer("max_body_bytes", 1_000_000, minimum=1, maximum=100_000_000)
    cert_days = sec.integer("cert_warning_days", 21, minimum=0, maximum=3650)
    if url is None:
        return None
    return HttpOptions(
        url=url,
        method=method or "GET",
        headers=headers,
        expect_status=tuple(statuses),
        body_regex=body_regex,
        json_path=json_path,
        json_equals=json_equals,
        verify_tls=bool(verify),
        ca_file=ca_file,
        max_redirects=_or(redirects, 3),
        max_body_bytes=_or(max_body, 1_000_000),
        cert_warning_days=_or(cert_days, 21),
        allow_insecure_redirects=bool(insecure),
    )


def _tcp_options(sec: Section) -> TcpOptions | None:
    host = sec.string("host", required=True)
    port = sec.integer("port", required=True, minimum=1, maximum=65535)
    if host is None or port is None:
        return None
    return TcpOptions(host, port)


def _headers(sec: Section) -> tuple[tuple[str, Secret], ...]:
    headers_sec = sec.table("headers")
    headers: list[tuple[str, Secret]] = []
    if headers_sec is not None:
        for name in headers_sec.data:
            text = headers_sec.string(name)
            if text is not None:
                headers.append((name, Secret(text)))
    return tuple(headers)


def _json_path(sec: Section) -> str | None:
    path = sec.string("json_path")
    if path is not None:
        try:
            jsonpath.parse(path)
        except ValueError as exc:
            sec.problem("json_path", str(exc))
            return None
    return path


def _dns_options(sec: Section) -> DnsOptions | None:
    name = sec.string("name", required=True)
    family = sec.string("family", "any", choices=("any", "ipv4", "ipv6"))
    expect = sec.string_list("expect_addresses", [])
    if name is None:
        return None
    return DnsOptions(name, family or "any", tuple(expect or ()))


def _percent(sec: Section, key: str) -> float | None:
    return sec.number(key, minimum=0, maximum=100)


def _host_options(sec: Section) -> HostOptions | None:
    options = HostOptions(
        process=sec.string("process"),
        cpu_max=_percent(sec, "cpu_max"),
        memory_max=_percent(sec, "memory_max"),
        disk_path=sec.string("disk_path", "/") or "/",
        disk_max=_percent(sec, "disk_max"),
    )
    if (options.process, options.cpu_max, options.memory_max, options.disk_max) == (None,) * 4:
        sec.problem(None, "a host probe needs at least one of process, cpu_max, memory_max, disk_max")
        return None
    return options


def _fileflow_options(sec: Section) -> FileflowOptions | None:
    path = sec.string("path", required=True)
    pattern = sec.string("pattern", "*")
    degraded = sec.duration("backlog_degraded", minimum=1)
    down = sec.duration("backlog_down", minimum=1)
    if degraded is not None and down is not None and down < degraded:
        sec.problem("backlog_down", "must not be shorter than backlog_degraded")
    if path is None:
        return None
    return FileflowOptions(path, pattern or "*", degraded, down)


def _counter_options(sec: Section) -> CounterOptions | None:
    source = sec.string("source", "json", choices=("json", "prometheus"))
    url = sec.string("url", required=True, pattern=r"https?://\S+")
    json_path = _json_path(sec)
    query = sec.string("query")
    mode = sec.string("mode", "counter", choices=("counter", "rate"))
    headers = _headers(sec)
    verify = sec.boolean("verify_tls", True)
    # Judged on the raw keys, so a bad json_path is reported once, as itself.
    if source == "json" and "json_path" not in sec:
        sec.problem(None, "a json counter needs json_path")
        return None
    if source == "prometheus" and "query" not in sec:
        sec.problem(None, "a prometheus counter needs query (PromQL)")
        return None
    if url is None or source is None or (source == "json" and json_path is None):
        return None
    return CounterOptions(source, url, json_path, query, mode or "counter", headers, bool(verify))


def _heartbeat_options(sec: Section) -> HeartbeatOptions | None:
    token = sec.string("token", required=True, pattern=r"\S{8,}")
    silence = sec.duration("max_silence", minimum=1)
    if token is None:
        return None
    return HeartbeatOptions(Secret(token), silence)


_PROBE_OPTIONS = {
    "http": _http_options,
    "tcp": _tcp_options,
    "dns": _dns_options,
    "host": _host_options,
    "fileflow": _fileflow_options,
    "counter": _counter_options,
    "heartbeat": _heartbeat_options,
}


def _maintenance(sec: Section, components: set[str]) -> MaintenanceWindow | None:
    mid = sec.string("id", required=True, pattern=ID_PATTERN)
    names = sec.string_list("components")
    if names is None and "component" in sec:
        names = sec.string_list("component")
    else:
        sec.raw("component")
    if not names:
        sec.problem(None, "missing required key 'component' (or 'components')")
        names = []
    for name in names:
        if name != "*" and name not in components:
            sec.problem(
                "component" if "component" in sec else "components",
                f"no component with id '{name}'",
            )
    reason = sec.string("reason", "") or ""
    start = sec.datetime("start")
    end = sec.datetime("end")
    every = sec.string("every", choices=("week",))
    day_value = sec.raw("day")
    at = sec.clock("at")
    duration = sec.duration("duration", minimum=60, maximum=7 * 86400)
    public = bool(sec.boolean("public", False))
    sec.done()
    if mid is None:
        return None
    if every == "week":
        if start is not None or end is not None:
            sec.problem("every", "a weekly window takes day/at/duration, not start/end")
            return None
        try:
            days = parse_days(day_value) if day_value is not None else None
        except ValueError as exc:
            sec.problem("day", str(exc))
            return None
        missing = [k for k, v in (("day", days), ("at", at), ("duration", duration)) if v is None]
        if missing:
            sec.problem(None, f"a weekly window needs {', '.join(missing)}")
            return None
        assert days is not None and duration is not None
        return MaintenanceWindow(
            mid,
            tuple(names),
            reason,
            weekly_days=days,
            weekly_at=at,
            duration=timedelta(seconds=duration),
            public=public,
        )
    if start is None or end is None:
        sec.problem(None, 'a one-off window needs start and end (or every = "week" with day, at, duration)')
        return None
    if (start.tzinfo is None) != (end.tzinfo is None):
        sec.problem("end", "start and end must both have an offset or both be local times")
        return None
    if end <= start:
        sec.problem("end", "must come after start")
        return None
    return MaintenanceWindow(mid, tuple(names), reason, start=start, end=end, public=public)


def _store(sec: Section) -> StoreConfig:
    store = StoreConfig(
        path=sec.string("path", "vigie.db") or "vigie.db",
        retention=_or(sec.duration("retention", minimum=86400), 35 * 86400),
        busy_timeout=_or(sec.duration("busy_timeout", minimum=0.1, maximum=600), 10.0),
    )
    sec.done()
    return store


def _exporter(sec: Section) -> ExporterConfig:
    exporter = ExporterConfig(
        host=sec.string("host", "127.0.0.1") or "127.0.0.1",
        port=_or(sec.integer("port", minimum=0, maximum=65535), 9464),
        enabled=_or(sec.boolean("enabled"), True),
    )
    sec.done()
    return exporter


def _scheduler(sec: Section) -> SchedulerConfig:
    scheduler = SchedulerConfig(
        workers=_or(sec.integer("workers", minimum=1, maximum=1024), 16),
        concurrency=_or(sec.integer("concurrency", minimum=1, maximum=100_000), 512),
        flush_interval=_or(sec.duration("flush_interval", minimum=0.05, maximum=60), 1.0),
    )
    sec.done()
    return scheduler


LABEL_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
ALERT_LABELS = ("alertname", "component", "probe", "severity", "application", "ministry", "domain")
"""The labels Vigie sets itself on its alerts; ``[alerts.labels]`` may not redefine them."""


def _ratio(percent: float | None) -> float | None:
    return None if percent is None else percent / 100


def _alerts(sec: Section) -> AlertsConfig:
    webhook = sec.string("webhook", pattern=r"(https?://|\$\{)\S+")
    base = AlertsConfig()
    urls = sec.string_list("alertmanager", []) or []
    for url in urls:
        if not re.fullmatch(r"https?://[^\s/]+/?", url):
            sec.problem("alertmanager", f"'{url}' is not an Alertmanager address like http://127.0.0.1:9093")
    alerts = AlertsConfig(
        webhook=None if webhook is None else Secret(webhook),
        alertmanager=tuple(u.rstrip("/") for u in urls),
        resend_every=_or(sec.duration("resend_every", minimum=1, maximum=3600), base.resend_every),
        queue=_or(sec.integer("queue", minimum=1, maximum=1_000_000), base.queue),
        ack_for=_or(sec.duration("ack_for", minimum=60, maximum=30 * 86400), base.ack_for),
        labels=_alert_labels(sec.table("labels")),
        timeout=_or(sec.duration("timeout", minimum=0.1, maximum=120), base.timeout),
        retries=_or(sec.integer("retries", minimum=0, maximum=20), base.retries),
        backoff=_or(sec.duration("backoff", minimum=0.01, maximum=3600), base.backoff),
        reminder_every=_or(sec.duration("reminder_every", maximum=7 * 86400), base.reminder_every),
        flap_window=_or(sec.duration("flap_window", maximum=86400), base.flap_window),
        flap_changes=_or(sec.integer("flap_changes", minimum=2, maximum=1000), base.flap_changes),
        capacity=_or(sec.boolean("capacity"), base.capacity),
        capacity_clear=_or(_ratio(sec.number("capacity_clear", minimum=1, maximum=100)), base.capacity_clear),
    )
    sec.done()
    return alerts


def _alert_labels(sec: Section | None) -> tuple[tuple[str, str], ...]:
    if sec is None:
        return ()
    labels = []
    for name in sec.data:
        value = sec.string(name)
        if not re.fullmatch(LABEL_NAME, name):
            sec.problem(name, "a label name is letters, digits and _ (not starting with a digit)")
        elif name in ALERT_LABELS:
            sec.problem(name, f"'{name}' is set by Vigie itself")
        elif value is not None:
            labels.append((name, value))
    return tuple(labels)


INGEST_PROBE = "ingest"
"""Probe id given to results imported by `vigie ingest samples`."""


def probe_intervals(config: ProbesConfig) -> dict[tuple[str, str], float]:
    """Probe intervals keyed by (component, probe id), for :class:`~vigie.probes.store.Store`.

    Imported history (probe :data:`INGEST_PROBE`) gets the shortest interval of the
    component's availability probes, or :data:`DEFAULT_INTERVAL` when it has none.
    """
    intervals: dict[tuple[str, str], float] = {}
    for probe in config.probes:
        intervals[(probe.component, probe.id)] = probe.interval
    for comp in config.components:
        own = [p.interval for p in config.probes if p.component == comp.id and p.role == "availability"]
        intervals[(comp.id, INGEST_PROBE)] = min(own, default=DEFAULT_INTERVAL)
    return intervals
