"""The demo's scenario: one seeded TOML file that drives the simulated SI and its history.

Loading validates every key (file, line and key in each problem, like config.toml). The
functions below are pure: the same scenario and seed give the same outages, latencies,
flows and call counts, so a demo can be replayed and tested.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from vigie.kernel.tomlfile import Document, Section

BUNDLED = "scenario.toml"
LIVE_HORIZON = 7 * 86400.0  # random live outages are drawn for a week of demo
MIN_OUTAGE = 10.0


@dataclass(frozen=True)
class ComponentBehaviour:
    """How one simulated component answers, live and in the 2017 history."""

    id: str
    latency: float
    spread: float
    outages_per_hour: float
    availability_2017: float
    load_slowdown: float = 0.0


@dataclass(frozen=True)
class Event:
    """A live event at a fixed offset from the start of the simulated SI."""

    component: str
    at: float
    duration: float
    state: str
    latency: float | None = None

    @property
    def end(self) -> float:
        """Offset at which the event is over."""
        return self.at + self.duration


@dataclass(frozen=True)
class Tickets:
    """How the year's tickets are shaped: counts per application, shares per channel and month."""

    applications: dict[str, int]
    channels: dict[str, float]
    monthly: tuple[float, ...]
    first_contact: dict[str, float]

    @property
    def total(self) -> int:
        """Number of tickets in the year."""
        return sum(self.applications.values())


@dataclass(frozen=True)
class Scenario:
    """The whole scenario file, typed."""

    file: str
    seed: int
    outage_mean: float
    flow_month: int
    events: tuple[Event, ...]
    flows_monthly: tuple[int, ...]
    flow_processing: float
    flow_capacity_per_month: int
    api_calls_per_day: int
    hourly_load: tuple[float, ...]
    history_year: int
    history_step: float
    tickets: Tickets
    components: tuple[ComponentBehaviour, ...]

    def component(self, component_id: str) -> ComponentBehaviour:
        """The behaviour of one component (KeyError if the scenario has none)."""
        for comp in self.components:
            if comp.id == component_id:
                return comp
        raise KeyError(component_id)

    def rng(self, *keys: object) -> random.Random:
        """A random generator derived from the seed and ``keys``: independent streams per use."""
        return random.Random("/".join([str(self.seed), *map(str, keys)]))


def bundled_path() -> Path:
    """The scenario shipped with Vigie."""
    return Path(str(resources.files(__package__ or "vigie.console.demo").joinpath(BUNDLED)))


def load_scenario(path: Path | None = None) -> Scenario:
    """Load and validate a scenario file (the bundled one by default); raises ConfigError."""
    doc = Document.load(path or bundled_path())
    doc.check_top_level(["seed", "live", "flows", "api", "load", "history", "tickets", "components"])
    seed = doc.data.get("seed")
    if not isinstance(seed, int) or isinstance(seed, bool):
        doc.problem(("seed",), "missing or not an integer: the seed drives the whole scenario")
        seed = 0
    components = [c for c in (_component(s) for s in doc.array("components")) if c is not None]
    known = {c.id for c in components}
    live = doc.section("live")
    outage_mean = live.duration("outage_mean", 40.0, minimum=1) or 40.0
    flow_month = live.integer("flow_month", 0, minimum=0, maximum=12) or 0
    events = [e for e in (_event(s, known) for s in _sub_array(live, "events")) if e is not None]
    live.done()
    flows = doc.section("flows")
    monthly = _numbers(flows, "monthly", 12) or [0.0] * 12
    processing = flows.duration("processing", 20.0, minimum=0) or 0.0
    capacity = flows.integer("capacity_per_month", 50000, minimum=1) or 50000
    flows.done()
    api = doc.section("api")
    calls = api.integer("calls_per_day", 6_000_000, minimum=0) or 0
    api.done()
    load = doc.section("load")
    hourly = _numbers(load, "hourly", 24) or [1.0] * 24
    load.done()
    history = doc.section("history")
    year = history.integer("year", 2017, minimum=1970, maximum=2100) or 2017
    step = history.duration("step", 300.0, minimum=10, maximum=3600) or 300.0
    history.done()
    tickets = _tickets(doc.section("tickets"))
    doc.raise_if_problems()
    return Scenario(
        file=doc.file,
        seed=seed,
        outage_mean=outage_mean,
        flow_month=flow_month,
        events=tuple(events),
        flows_monthly=tuple(int(v) for v in monthly),
        flow_processing=processing,
        flow_capacity_per_month=capacity,
        api_calls_per_day=calls,
        hourly_load=tuple(hourly),
        history_year=year,
        history_step=step,
        tickets=tickets,
        components=tuple(components),
    )


def _sub_array(sec: Section, key: str) -> list[Section]:
    value = sec.raw(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        sec.problem(key, f"must be an array of tables ([[{'.'.join(map(str, sec.path))}.{key}]])")
        return []
    return [Section(sec.doc, (*sec.path, key, i), v) for i, v in enumerate(value)]


def _numbers(sec: Section, key: str, count: int) -> list[float] | None:
    value = sec.raw(key)
    if (
        not isinstance(value, list)
        or len(value) != count
        or not all(isinstance(v, int | float) and not isinstance(v, bool) and v >= 0 for v in value)
    ):
        sec.problem(key, f"must be an array of {count} numbers >= 0")
        return None
    return [float(v) for v in value]


def _shares(sec: Section, key: str) -> dict[str, float]:
    table = sec.table(key)
    if table is None:
        sec.problem(key, "missing required table")
        return {}
    shares = {name: table.number(name, 0.0, minimum=0, maximum=1) or 0.0 for name in list(table.data)}
    table.done()
    return shares


def _component(sec: Section) -> ComponentBehaviour | None:
    cid = sec.string("id", required=True)
    latency = sec.duration("latency", 0.1, minimum=0.001, maximum=30)
    spread = sec.number("spread", 0.3, minimum=0, maximum=3)
    rate = sec.number("outages_per_hour", 0.0, minimum=0, maximum=60)
    availability = sec.number("availability_2017", required=True, minimum=50, maximum=100)
    slowdown = sec.number("load_slowdown", 0.0, minimum=0, maximum=100)
    sec.done()
    if None in (cid, latency, spread, rate, availability, slowdown):
        return None
    assert cid is not None and latency is not None and spread is not None
    assert rate is not None and availability is not None and slowdown is not None
    return ComponentBehaviour(cid, latency, spread, rate, round(availability / 100, 9), slowdown)


def _event(sec: Section, known: set[str]) -> Event | None:
    component = sec.string("component", required=True)
    if component is not None and component not in known:
        sec.problem("component", f"no component with id '{component}' in the scenario")
        component = None
    at = sec.duration("at", required=True)
    duration = sec.duration("duration", required=True, minimum=1)
    state = sec.string("state", "down", choices=("down", "slow"))
    latency = sec.duration("latency", minimum=0.001, maximum=60)
    sec.done()
    if component is None or at is None or duration is None or state is None:
        return None
    if state == "slow" and latency is None:
        sec.problem("latency", "a slow event needs a latency")
        return None
    return Event(component, at, duration, state, latency)


def _tickets(sec: Section) -> Tickets:
    apps_table = sec.table("applications")
    applications: dict[str, int] = {}
    if apps_table is None:
        sec.problem("applications", "missing required table")
    else:
        for name in list(apps_table.data):
            applications[name] = apps_table.integer(name, 0, minimum=0) or 0
        apps_table.done()
    channels = _shares(sec, "channels")
    if channels and abs(sum(channels.values()) - 1) > 1e-6:
        sec.problem("channels", f"shares must add up to 1, not {sum(channels.values()):g}")
    monthly = _numbers(sec, "monthly", 12) or [1 / 12] * 12
    first_contact = _shares(sec, "first_contact")
    sec.done()
    return Tickets(applications, channels, tuple(monthly), first_contact)


# --- pure behaviour -------------------------------------------------------------------------


def load_at(scenario: Scenario, hour: float) -> float:
    """Relative load (peak 1.0) at an hour of the day, interpolated between hours."""
    low = int(hour) % 24
    frac = hour - math.floor(hour)
    return scenario.hourly_load[low] * (1 - frac) + scenario.hourly_load[(low + 1) % 24] * frac


def live_outages(scenario: Scenario, component: str, horizon: float = LIVE_HORIZON) -> list[Event]:
    """Scripted and random live outages of a component, by offset from the start, sorted.

    Random outages arrive as a Poisson process at the component's rate; their lengths are
    exponential around the scenario's mean, at least ten seconds.
    """
    behaviour = scenario.component(component)
    rng = scenario.rng("live", component)
    events = [e for e in scenario.events if e.component == component]
    if behaviour.outages_per_hour > 0:
        t = 0.0
        while True:
            t += rng.expovariate(behaviour.outages_per_hour / 3600)
            if t >= horizon:
                break
            length = max(MIN_OUTAGE, rng.expovariate(1 / scenario.outage_mean))
            events.append(Event(component, t, length, "down"))
            t += length
    return sorted(events, key=lambda e: e.at)


def latency_for(scenario: Scenario, component: str, load: float, draw: float) -> float:
    """Answer time in seconds for a load (0..1) and a standard normal draw (log-normal spread)."""
    behaviour = scenario.component(component)
    base = behaviour.latency * (1 + behaviour.load_slowdown * load)
    return base * math.exp(behaviour.spread * draw - behaviour.spread**2 / 2)


def flow_rate(scenario: Scenario, month: int) -> float:
    """Flow files arriving per second in a month (1-12), a month counting as 30 days."""
    return scenario.flows_monthly[month - 1] / (30 * 86400)


def calls_between(scenario: Scenario, start_hour: float, end_hour: float) -> float:
    """API calls between two hours of the day (hours may exceed 24 to cross midnight).

    The day's calls are spread over the hours in proportion to the load curve.
    """
    per_load_hour = scenario.api_calls_per_day / sum(scenario.hourly_load)
    total, hour = 0.0, start_hour
    while hour < end_hour:
        step_end = min(end_hour, math.floor(hour) + 1)
        total += scenario.hourly_load[int(hour) % 24] * (step_end - hour) * per_load_hour
        hour = step_end
    return total
