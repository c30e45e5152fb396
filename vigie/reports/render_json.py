"""The report as JSON: every figure, a stable schema marked by ``schema_version``.

Ratios are ratios (0..1, floored as computed), durations are seconds, date-times are
ISO 8601 with the report's time-zone offset. Every section has the same keys whether it
has data or not: ``available`` and ``absent`` (the one-line reason, else null).
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime
from typing import Any

from vigie.kernel.text.language import Language
from vigie.reports.content import (
    SCHEMA_VERSION,
    Absent,
    Report,
    Summary,
    ThroughputBucket,
    ThroughputRow,
)
from vigie.reports.templating import absent_text

# Derived figures written next to the fields, so readers need not recompute them.
_DERIVED: dict[type, tuple[str, ...]] = {
    Summary: ("budget_used",),
    ThroughputBucket: ("over",),
}


def plain(value: Any) -> Any:
    """Dataclasses, tuples and date-times as JSON-ready values."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        for name in _DERIVED.get(type(value), ()):
            out[name] = plain(getattr(value, name))
        if isinstance(value, ThroughputRow):
            peak = value.peak
            out["peak"] = None if peak is None else peak.label
            out["over"] = [b.label for b in value.over]
        return out
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value


def _section(value: Any, lang: Language, key: str = "rows") -> dict[str, Any]:
    if isinstance(value, Absent):
        return {"available": False, "absent": absent_text(value, lang), key: None}
    body = plain(value)
    return {"available": True, "absent": None, **(body if isinstance(body, dict) else {key: body})}


def report_dict(report: Report, lang: Language) -> dict[str, Any]:
    """The report as a JSON-ready dict (schema version :data:`SCHEMA_VERSION`)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": report.kind,
        "period": report.period_key,
        "language": lang.code,
        "timezone": report.timezone,
        "generated_at": report.generated_at.isoformat(),
        "summary": plain(report.summary),
        "availability": _section(report.availability, lang),
        "trend": {"months": [m.key for m in report.trend_months], **_section(report.trend, lang)},
        "incidents": _section(report.incidents, lang),
        "throughput": _section(report.throughput, lang),
        "tickets": _section(report.tickets, lang),
        "homologations": _section(report.homologations, lang),
        "decommissioning": _section(report.decommissioning, lang),
        "flows": _section(report.flows, lang),
    }


def render_json(report: Report, lang: Language) -> str:
    """Render the report to indented JSON (UTF-8 letters kept)."""
    return json.dumps(report_dict(report, lang), ensure_ascii=False, indent=2) + "\n"
