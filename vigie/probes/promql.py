"""Probe results read back from Prometheus (or VictoriaMetrics) as timeline segments.

The agents (`vigie run --agent NAME`) serve ``vigie_probe_state{component, probe, agent,
state} 1`` for each probe's last result; the engine scrapes them. This module asks the
engine's HTTP API, per probe interval ``step`` (the probe's own interval), which states
were seen in each ``[k x step, (k+1) x step)`` window, and turns that into the same
:class:`~vigie.accounting.timeline.Segment` objects the SQLite store keeps: a window with
samples stands for a result at its start, a run of results covers up to ``2 x step`` past
its last one, beyond that the time is unknown (rule 1 of :mod:`vigie.accounting.state`).
The accounting on top is then the same code as on SQLite.

The PromQL is written around the engines' pitfalls:

- **Range boundaries.** ``x[1h]`` is closed at both ends in Prometheus 2.x and left-open in
  3.x and VictoriaMetrics: every range is evaluated 1 ms before its window ends, so a
  sample on a boundary falls in one window only (within the millisecond).
- **Lookback.** A bare selector takes the last sample up to 5 minutes old and would
  invent "up" time across a gap. Windows are counted with ``count_over_time``; a window
  without samples is missing, and missing time is unknown, never up.
- **11,000 points per series and query.** A month at 60 s is 44,640 windows. So the
  reading goes by accounting interval: one query per component and interval counts, for
  each hour, the windows seen in each state (a subquery at the probe's step), and only
  the hours that are not plainly up (a state other than up, a window without samples) are
  read window by window, in queries of at most 11,000 points.
- **Step.** Windows are aligned on multiples of the probe's interval since the epoch, the
  way the engines align subquery steps.

Any failure (engine unreachable, an HTTP error, a query over the engine's limits, no
series at all for a component) raises :class:`EngineError`, one line naming the URL, the
status and what to check.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import requests

from vigie.accounting.results import Status
from vigie.accounting.state import SEVERITY
from vigie.accounting.timeline import DEFAULT_INTERVAL, MAX_CONFIRM, Segment
from vigie.probes.config import ProbesConfig
from vigie.probes.sources import EngineError, MeasurementsConfig

MAX_POINTS = 11_000
"""Prometheus refuses a range query of more points per series (its resolution limit)."""

CHUNK = 3600.0
"""The accounting interval of the first pass: an hour."""

MS = 0.001
SERIES_LOOKBACK = 400 * 86400.0
"""How far back the engine is asked whether it knows a component at all."""

_STATES = {str(s): s for s in SEVERITY}


@dataclass(frozen=True)
class Series:
    """One series of a query's answer: its labels and its (time, value) points."""

    labels: Mapping[str, str]
    points: list[tuple[float, float]]


class PromClient:
    """The engine's HTTP API (``/api/v1/query_range``, ``/api/v1/query``, ``/api/v1/series``):
    form-encoded POSTs, answers checked, errors turned into :class:`EngineError`."""

    def __init__(self, config: MeasurementsConfig, session: requests.Session | None = None) -> None:
        if config.url is None:
            raise EngineError('[measurements] url is not set: source "prometheus" needs the engine\'s URL')
        self.url = config.url
        self.config = config
        self.session = session or requests.Session()
        self.queries = 0

    def close(self) -> None:
        """Close the HTTP session."""
        self.session.close()

    def _post(self, path: str, form: Mapping[str, str]) -> Any:
        headers = {}
        if self.config.bearer_token is not None:
            headers["Authorization"] = f"Bearer {self.config.bearer_token.reveal()}"
        where = f"{self.url}{path}"
        self.queries += 1
        try:
            answer = self.session.post(
                where, data=form, headers=headers, timeout=self.config.timeout, verify=self.config.verify_tls
            )
        except requests.Timeout:
            raise EngineError(
                f"{where}: no answer within {self.config.timeout:g} s; check the engine's load "
                "or raise [measurements] timeout"
            ) from None
        except requests.RequestException as exc:
            reason = type(exc).__name__
            raise EngineError(
                f"{where}: unreachable ({reason}); check [measurements] url and that the engine runs"
            ) from None
        try:
            body = answer.json()
        except ValueError:
            body = None
        if answer.status_code != 200 or not isinstance(body, dict) or body.get("status") != "success":
            raise EngineError(_failure(where, answer.status_code, answer.reason, body))
        return body.get("data")

    def query_range(self, expr: str, start: float, end: float, step: float) -> list[Series]:
        """A range query; ``start``/``end`` in epoch seconds (millisecond precision)."""
        data = self._post(
            "/api/v1/query_range",
            # nocache: VictoriaMetrics would otherwise round start and end to the step.
            {
                "query": expr,
                "start": f"{start:.3f}",
                "end": f"{end:.3f}",
                "step": _duration(step),
                "nocache": "1",
            },
        )
        return _matrix(data, self.url)

    def query(self, expr: str, at: float) -> list[Series]:
        """An instant query at ``at``; each series holds one point."""
        data = self._post("/api/v1/query", {"query": expr, "time": f"{at:.3f}", "nocache": "1"})
        if not isinstance(data, dict) or data.get("resultType") != "vector":
            raise EngineError(f"{self.url}/api/v1/query: not an instant vector; check [measurements] url")
        return [
            Series(item.get("metric", {}), [(float(item["value"][0]), float(item["value"][1]))])
            for item in data.get("result", [])
        ]

    def series(self, match: str, start: float, end: float) -> list[Mapping[str, str]]:
        """The label sets of the series matching ``match`` between ``start`` and ``end``."""
        data = self._post("/api/v1/series", {"match[]": match, "start": f"{start:.3f}", "end": f"{end:.3f}"})
        return list(data) if isinstance(data, list) else []


def _duration(seconds: float) -> str:
    """A PromQL duration, in milliseconds when not whole seconds."""
    millis = round(seconds * 1000)
    return f"{millis // 1000}s" if millis % 1000 == 0 else f"{millis}ms"


def _failure(where: str, status: int, reason: str, body: Any) -> str:
    """The one line for an engine's refusal: what it said and what to check."""
    said = ""
    if isinstance(body, dict):
        said = f": {body.get('errorType', 'error')}: {body.get('error', '')}".rstrip(": ")
    text = said.lower()
    if status in (401, 403):
        hint = "check [measurements] bearer_token"
    elif "resolution" in text or "too many" in text or "max-samples" in text or "limit" in text:
        hint = "the query is over the engine's limits: ask for a shorter period"
    elif status == 404:
        hint = "check [measurements] url: it must be the engine's base URL (no /api/v1)"
    elif status >= 500:
        hint = "check the engine's logs and that it is ready"
    else:
        hint = "check [measurements] url and the engine's version"
    return f"{where}: HTTP {status} {reason}{said}; {hint}"


def _matrix(data: Any, url: str) -> list[Series]:
    if not isinstance(data, dict) or data.get("resultType") != "matrix":
        raise EngineError(f"{url}/api/v1/query_range: not a range answer; check [measurements] url")
    out = []
    for item in data.get("result", []):
        points = [(float(t), float(v)) for t, v in item.get("values", [])]
        out.append(Series(item.get("metric", {}), [(t, v) for t, v in points if not math.isnan(v)]))
    return out


# --- windows to segments -------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """Windows ``k0 .. k1 - 1`` of a series (window k is ``[k x step, (k+1) x step)``), each
    with samples, all in ``state``."""

    k0: int
    k1: int
    state: Status


def runs_to_segments(
    runs: Iterable[Run], step: float, component: str, probe: str, agent: str
) -> list[Segment]:
    """The segments that results at the start of each window of ``runs`` would make
    (:class:`~vigie.accounting.timeline.TimelineBuilder`'s rule: a result covers up to the
    next one, at most ``2 x step``), without building a result per window."""
    out: list[Segment] = []
    seg: Segment | None = None
    last_k = 0
    for run in sorted(runs, key=lambda r: r.k0):
        if run.k1 <= run.k0:
            continue
        start = run.k0 * step
        if seg is not None and seg.status is run.state and run.k0 - last_k <= 2:
            seg.checks += run.k1 - run.k0
        else:
            if seg is not None:
                seg.end = min(start, seg.last_ts + 2 * step)
                out.append(seg)
            seg = Segment(component, probe, start, start, start, run.state, run.k1 - run.k0, agent=agent)
        if run.state is Status.DOWN and len(seg.confirm_ts) < MAX_CONFIRM:
            room = MAX_CONFIRM - len(seg.confirm_ts)
            seg.confirm_ts.extend(k * step for k in range(run.k0, min(run.k1, run.k0 + room)))
        last_k = run.k1 - 1
        seg.last_ts = last_k * step
        seg.end = seg.last_ts + 2 * step
    if seg is not None:
        out.append(seg)
    return out


def _runs(windows: Mapping[int, Status]) -> list[Run]:
    """Runs of consecutive windows in one state."""
    out: list[Run] = []
    for k in sorted(windows):
        state = windows[k]
        if out and out[-1].k1 == k and out[-1].state is state:
            out[-1] = Run(out[-1].k0, k + 1, state)
        else:
            out.append(Run(k, k + 1, state))
    return out


# --- the source ----------------------------------------------------------------------------


def _escape(probe: str) -> str:
    """A probe id inside a PromQL regex in a double-quoted string (ids hold [a-z0-9_.-])."""
    return probe.replace(".", "\\\\.")


@dataclass(frozen=True)
class _Group:
    """A component's probes read with one step: a label selector and the step."""

    selector: str
    step: float


class PromQLSource:
    """Timeline segments from the engine (a :class:`~vigie.probes.sources.MetricsSource`).

    ``delay`` is how long before now the engine's view is complete (one scrape of the
    slowest probe): the console reads the state "now" that far back.
    """

    def __init__(self, client: PromClient, config: ProbesConfig) -> None:
        self.client = client
        self.config = config
        self._known: set[str] = set()

    @property
    def url(self) -> str:
        """The engine's base URL."""
        return self.client.url

    @property
    def delay(self) -> float:
        """Seconds the engine's view lags behind the probes: the longest availability interval."""
        return max(
            (p.interval for p in self.config.probes if p.role == "availability"), default=DEFAULT_INTERVAL
        )

    def close(self) -> None:
        """Close the HTTP session."""
        self.client.close()

    def _groups(self, component: str) -> list[_Group]:
        """The component's probes grouped by interval. The group of the shortest interval also
        reads probes the config does not know any more (renamed, imported history), as the
        SQLite store does; throughput probes never count."""
        probes = [p for p in self.config.probes if p.component == component]
        throughput = sorted(p.id for p in probes if p.role == "throughput")
        by_step: dict[float, list[str]] = {}
        for p in probes:
            if p.role == "availability":
                by_step.setdefault(p.interval, []).append(p.id)
        if not by_step:
            by_step[DEFAULT_INTERVAL] = []
        steps = sorted(by_step)
        groups = []
        for step in steps:
            if step == steps[0]:
                others = throughput + [p for s in steps[1:] for p in by_step[s]]
                match = f',probe!~"{"|".join(map(_escape, others))}"' if others else ""
            else:
                match = f',probe=~"{"|".join(map(_escape, by_step[step]))}"'
            groups.append(_Group(f'vigie_probe_state{{component="{component}"{match}}}', step))
        return groups

    def segments(self, component: str, start: float, end: float) -> list[Segment]:
        """The component's segments overlapping ``[start, end)``, by probe and agent then time."""
        out: list[Segment] = []
        for group in self._groups(component):
            windows = self._windows(group, start, end)
            for (probe, agent), runs in sorted(windows.items()):
                out.extend(runs_to_segments(runs, group.step, component, probe, agent))
        if not out and component not in self._known:
            self._check_known(component, end)
        return [s for s in out if s.end > start and s.start < end]

    def _check_known(self, component: str, end: float) -> None:
        """A component the engine has never seen is a set-up problem, not unknown time."""
        match = f'vigie_probe_state{{component="{component}"}}'
        if not self.client.series(match, min(end, time.time()) - SERIES_LOOKBACK, time.time()):
            raise EngineError(
                f"{self.url}: no {match} series at all; check that the engine scrapes the agents "
                "(vigie deploy) and that the component's probes run on an agent"
            )
        self._known.add(component)

    def _windows(self, group: _Group, start: float, end: float) -> dict[tuple[str, str], list[Run]]:
        """Each series' runs of windows over ``[start, end)`` (widened to whole windows)."""
        step = group.step
        per_chunk = CHUNK / step
        if per_chunk >= 4 and per_chunk == int(per_chunk):
            lo = math.floor(start / CHUNK) * CHUNK
            hi = math.ceil(end / CHUNK) * CHUNK
            return self._by_chunks(group, lo, hi, int(per_chunk))
        lo = math.floor(start / step) * step
        hi = math.ceil(end / step) * step
        return {key: _runs(found) for key, found in self._fine(group, [(lo, hi)]).items()}

    def _by_chunks(
        self, group: _Group, lo: float, hi: float, per_chunk: int
    ) -> dict[tuple[str, str], list[Run]]:
        """The hours first: plainly up ones become one run each, the others are read window by window."""
        step = group.step
        # Subquery steps fall on multiples of the step; "offset 1ms" makes each inner window
        # end 1 ms before its multiple, like every other window here (VictoriaMetrics aligns
        # them whatever the outer time, and its ranges are left-open).
        inner = (
            f"(sum by (probe, agent, state) (count_over_time({group.selector}[{_duration(step)}] offset 1ms)))"
            f"[{_duration(CHUNK)}:{_duration(step)}]"
        )
        seen: dict[tuple[str, str], dict[int, dict[str, float]]] = {}
        for a, b in _spans(lo, hi, CHUNK * MAX_POINTS):
            # Evaluated 1 ms after the hour: the subquery's steps are then exactly the ends of
            # the hour's windows, whether the engine's ranges are closed or left-open.
            for series in self.client.query_range(f"count_over_time({inner})", a + CHUNK + MS, b + MS, CHUNK):
                key = (series.labels.get("probe", ""), series.labels.get("agent", ""))
                state = series.labels.get("state", "")
                for t, count in series.points:
                    hour = round((t - CHUNK) / CHUNK)
                    seen.setdefault(key, {}).setdefault(hour, {})[state] = count
        clean: dict[tuple[str, str], set[int]] = {}
        mixed: set[int] = set()
        for key, hours in seen.items():
            for hour, states in hours.items():
                if states == {"up": per_chunk}:
                    clean.setdefault(key, set()).add(hour)
                else:
                    mixed.add(hour)
        # Mixed hours close together go in one query (windows of plain hours are dropped
        # below): a component degraded now and then is a few queries a month, not one an hour.
        fine = self._fine(group, _coalesce(_hour_spans(sorted(mixed)), step * MAX_POINTS)) if mixed else {}
        out: dict[tuple[str, str], list[Run]] = {}
        for key in seen:
            plain = clean.get(key, set())
            runs = [Run(h * per_chunk, (h + 1) * per_chunk, Status.UP) for h in plain]
            found = {k: s for k, s in fine.get(key, {}).items() if k // per_chunk not in plain}
            out[key] = runs + _runs(found)
        return out

    def _fine(
        self, group: _Group, spans: Sequence[tuple[float, float]]
    ) -> dict[tuple[str, str], dict[int, Status]]:
        """Window by window over ``spans``: the worst state with samples in each window."""
        step = group.step
        expr = f"sum by (probe, agent, state) (count_over_time({group.selector}[{_duration(step)}]))"
        found: dict[tuple[str, str], dict[int, Status]] = {}
        for lo, hi in spans:
            for a, b in _spans(lo, hi, step * MAX_POINTS):
                # Each window is evaluated 1 ms before it ends (see the module's notes).
                for series in self.client.query_range(expr, a + step - MS, b - MS, step):
                    state = _STATES.get(series.labels.get("state", ""))
                    if state is None:
                        continue
                    windows = found.setdefault(
                        (series.labels.get("probe", ""), series.labels.get("agent", "")), {}
                    )
                    for t, count in series.points:
                        k = round((t - step) / step)
                        if count > 0 and (k not in windows or SEVERITY[state] > SEVERITY[windows[k]]):
                            windows[k] = state
        return found


def _spans(lo: float, hi: float, length: float) -> list[tuple[float, float]]:
    """``[lo, hi)`` cut into pieces of at most ``length``."""
    out = []
    while lo < hi:
        out.append((lo, min(hi, lo + length)))
        lo += length
    return out


def _coalesce(spans: Sequence[tuple[float, float]], length: float) -> list[tuple[float, float]]:
    """Sorted spans joined, with what lies between them, while a join is at most ``length``."""
    out: list[tuple[float, float]] = []
    for lo, hi in spans:
        if out and hi - out[-1][0] <= length:
            out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


def _hour_spans(hours: Sequence[int]) -> list[tuple[float, float]]:
    """Consecutive hour numbers (since the epoch) as time spans."""
    out: list[tuple[float, float]] = []
    for h in hours:
        if out and out[-1][1] == h * CHUNK:
            out[-1] = (out[-1][0], (h + 1) * CHUNK)
        else:
            out.append((h * CHUNK, (h + 1) * CHUNK))
    return out
