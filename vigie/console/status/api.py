"""The page in Atlassian Statuspage's public JSON shapes (``/api/v2/...``), so the aggregators
and scripts that read Statuspage pages read this one unchanged.

Field names and values follow Statuspage's documented v2 API: ``page``, ``status``
(``indicator``, ``description``), ``components`` (groups are components with ``group:
true`` listing their members' ids), ``incidents`` and ``scheduled_maintenances`` with their
``incident_updates`` and ``affected_components``. Dates are ISO 8601 with the page's offset.
Texts are the page's French ones.
"""

from __future__ import annotations

import hashlib
from typing import Any

from vigie.kernel.text.language import Language
from vigie.reports.status.page import ComponentView, PublicNotice, StatusPage

LANG = Language("fr")
PAGE_ID = "vigie"


def when(page: StatusPage, ts: float | None) -> str | None:
    """An instant as Statuspage writes it (milliseconds, with the offset)."""
    return None if ts is None else page.local(ts).isoformat(timespec="milliseconds")


def group_id(name: str) -> str:
    """A stable id for a component group (a short hash of its name)."""
    return "group-" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:10]


def page_object(page: StatusPage) -> dict[str, Any]:
    """``page``: id, name, url, time zone, last update."""
    return {
        "id": PAGE_ID,
        "name": page.config.title,
        "url": page.config.url,
        "time_zone": page.timezone.key,
        "updated_at": when(page, page.updated_at),
    }


def status_object(page: StatusPage) -> dict[str, str]:
    """``status``: the indicator and its description."""
    return {"indicator": page.indicator, "description": LANG.t(f"status.indicator.{page.indicator}")}


def components(page: StatusPage) -> list[dict[str, Any]]:
    """Every public component, then each group as a component with ``group: true``."""
    out: list[dict[str, Any]] = []
    groups: list[dict[str, Any]] = []
    first = when(page, page.generated_at - len(page.days) * 86400)
    for position, view in enumerate(page.components, 1):
        comp = view.component
        gid = group_id(comp.group) if comp.group else None
        out.append(_component(page, view, position, gid, first))
        if gid is not None:
            group = next((g for g in groups if g["id"] == gid), None)
            if group is None:
                group = {
                    "id": gid,
                    "name": comp.group,
                    "status": view.status,
                    "created_at": first,
                    "updated_at": when(page, page.updated_at),
                    "position": position,
                    "description": None,
                    "showcase": False,
                    "start_date": None,
                    "group_id": None,
                    "page_id": PAGE_ID,
                    "group": True,
                    "only_show_if_degraded": False,
                    "components": [],
                }
                groups.append(group)
            group["components"].append(comp.id)
            group["status"] = _worst(group["status"], view.status)
    return out + groups


def _component(
    page: StatusPage, view: ComponentView, position: int, gid: str | None, first: str | None
) -> dict[str, Any]:
    comp = view.component
    return {
        "id": comp.id,
        "name": comp.name,
        "status": view.status,
        "created_at": first,
        "updated_at": when(page, page.updated_at),
        "position": position,
        "description": comp.description or None,
        "showcase": True,
        "start_date": page.days[0].isoformat(),
        "group_id": gid,
        "page_id": PAGE_ID,
        "group": False,
        "only_show_if_degraded": False,
    }


_ORDER = ("operational", "under_maintenance", "degraded_performance", "partial_outage", "major_outage")


def _worst(a: str, b: str) -> str:
    return max(a, b, key=_ORDER.index)


def incident(page: StatusPage, notice: PublicNotice) -> dict[str, Any]:
    """An incident or a scheduled maintenance with its updates, newest first."""
    names = {v.id: v.component.name for v in page.components}
    monitoring = next((u.at for u in reversed(notice.updates) if u.status == "monitoring"), None)
    out: dict[str, Any] = {
        "id": notice.id,
        "name": notice.title or LANG.t("status.maintenance.untitled"),
        "status": notice.status,
        "created_at": when(page, notice.created_at),
        "updated_at": when(page, notice.updated_at),
        "monitoring_at": when(page, monitoring),
        "resolved_at": when(page, notice.resolved_at if notice.kind == "incident" else _completed(notice)),
        "impact": notice.impact,
        "shortlink": f"{page.config.url}/incidents/{notice.id}/",
        "started_at": when(page, notice.started_at),
        "page_id": PAGE_ID,
        "incident_updates": [
            {
                "id": u.id,
                "status": u.status,
                "body": u.body if not u.automatic else LANG.t(f"status.auto.{u.status}"),
                "incident_id": notice.id,
                "created_at": when(page, u.at),
                "updated_at": when(page, u.at),
                "display_at": when(page, u.at),
                "affected_components": [
                    {
                        "code": c.code,
                        "name": names.get(c.code, c.code),
                        "old_status": c.old_status,
                        "new_status": c.new_status,
                    }
                    for c in u.changes
                ]
                or None,
                "deliver_notifications": True,
                "custom_tweet": None,
                "tweet_id": None,
            }
            for u in reversed(notice.updates)
        ],
        "components": [
            _component(
                page,
                v,
                i,
                group_id(v.component.group) if v.component.group else None,
                when(page, notice.created_at),
            )
            for i, v in enumerate(page.components, 1)
            if v.id in notice.components
        ],
    }
    if notice.kind == "maintenance":
        out["scheduled_for"] = when(page, notice.started_at)
        out["scheduled_until"] = when(page, notice.ends_at)
    return out


def _completed(notice: PublicNotice) -> float | None:
    return next((u.at for u in notice.updates if u.status == "completed"), None)


def documents(page: StatusPage) -> dict[str, dict[str, Any]]:
    """Every JSON document of the API, by path under ``/api/v2/``."""
    head = {"page": page_object(page)}
    comps = components(page)
    unresolved = [incident(page, n) for n in page.unresolved]
    upcoming = [incident(page, n) for n in page.upcoming]
    active = [incident(page, n) for n in page.active_maintenances]
    return {
        "summary.json": {
            **head,
            "components": comps,
            "incidents": unresolved,
            "scheduled_maintenances": active + upcoming,
            "status": status_object(page),
        },
        "status.json": {**head, "status": status_object(page)},
        "components.json": {**head, "components": comps},
        "incidents.json": {**head, "incidents": [incident(page, n) for n in page.incidents[:50]]},
        "incidents/unresolved.json": {**head, "incidents": unresolved},
        "scheduled-maintenances.json": {
            **head,
            "scheduled_maintenances": [incident(page, n) for n in page.maintenances[:50]],
        },
        "scheduled-maintenances/upcoming.json": {**head, "scheduled_maintenances": upcoming},
        "scheduled-maintenances/active.json": {**head, "scheduled_maintenances": active},
    }
