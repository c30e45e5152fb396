"""Every resource of the public site, rendered from one :class:`StatusPage`: the pages in French
(at the root) and English (under ``/en/``), a history page per month, a page per notice, the
Statuspage-style JSON, the Atom feeds and the SVG badges.

`vigie status serve` keeps the rendered site in memory and answers from it; `vigie status
build` writes the same bytes to files, so both serve the same page. Templates autoescape
(HTML and XML); texts people wrote go through :mod:`.markdown`. Paths are the site's own
(``/``, ``/history/2017-07/``, ``/api/v2/summary.json``); links carry the configured root.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from vigie.console.status import api, markdown
from vigie.kernel.text.language import MISSING, Language
from vigie.reports.status.page import ComponentView, PublicNotice, PublicUpdate, StatusPage

LANGUAGES = {"fr": "", "en": "/en"}
"""Each language's path prefix: French at the root, English under ``/en``."""
RECENT_DAYS = 7
"""Resolved incidents stay on the front page this long."""
FEED_ENTRIES = 200
ICONS = {
    "none": "✓",
    "operational": "✓",
    "maintenance": "⚙",
    "under_maintenance": "⚙",
    "minor": "!",
    "degraded_performance": "!",
    "major": "✕",
    "partial_outage": "!",
    "critical": "✕",
    "major_outage": "✕",
}
"""Signs beside the words of a state, so it never rests on colour alone."""
HTML = "text/html; charset=utf-8"
JSON = "application/json"
ATOM = "application/atom+xml; charset=utf-8"
SVG = "image/svg+xml"
CSS = "text/css; charset=utf-8"


@dataclass(frozen=True)
class Resource:
    """One file of the site: its bytes, type, entity tag and last change, and the same bytes
    gzipped (None when too small to gain), sent to clients that accept it."""

    body: bytes
    media_type: str
    etag: str
    last_modified: float
    gzipped: bytes | None = None

    @property
    def gzip_etag(self) -> str:
        """The gzipped representation's own strong ETag."""
        return self.etag[:-1] + '-gz"'


GZIP_FROM = 1024
"""Resources from this size on are also kept gzipped (the front page of 250 components
weighs megabytes; gzipped, a tenth)."""


def resource(body: bytes, media_type: str, last_modified: float) -> Resource:
    """A resource with its strong ETag (a digest of the bytes) and its gzipped bytes."""
    # mtime=0: the same bytes gzip the same, so a rebuild leaves unchanged files unchanged.
    packed = gzip.compress(body, 6, mtime=0) if len(body) >= GZIP_FROM else None
    return Resource(
        body, media_type, '"' + hashlib.sha256(body).hexdigest()[:32] + '"', last_modified, packed
    )


@cache
def environment() -> Environment:
    """The templates of the site (autoescaped: HTML, Atom, SVG)."""
    env = Environment(
        loader=PackageLoader("vigie.console.status", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html.j2", "xml.j2", "svg.j2")),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["md"] = markdown.render
    return env


def stylesheet() -> bytes:
    """The site's one stylesheet."""
    return resources.files("vigie.console.status").joinpath("templates/status.css").read_bytes()


def render_site(page: StatusPage) -> dict[str, Resource]:
    """Every resource of the site by path."""
    out: dict[str, Resource] = {}
    stamp = page.updated_at
    for code, prefix in LANGUAGES.items():
        ctx = _context(page, Language(code), prefix)
        html = _renderer(ctx)
        out[f"{prefix}/"] = resource(html("index.html.j2"), HTML, stamp)
        out[f"{prefix}/history/"] = resource(html("months.html.j2"), HTML, stamp)
        for month in page.months():
            notices = [n for n in page.notices if page.month_of(n) == month]
            out[f"{prefix}/history/{month}/"] = resource(
                html("month.html.j2", month=month, notices=notices), HTML, stamp
            )
        for notice in page.notices:
            out[f"{prefix}/incidents/{notice.id}/"] = resource(
                html("incident.html.j2", notice=notice), HTML, stamp
            )
        out[f"{prefix}/history.atom"] = resource(html("feed.xml.j2", entries=_entries(page)), ATOM, stamp)
    lang = Language("fr")
    for view in page.components:
        svg = environment().get_template("badge.svg.j2").render(badge(view, lang))
        out[f"/badge/{view.id}.svg"] = resource(svg.encode("utf-8"), SVG, stamp)
    for name, document in api.documents(page).items():
        body = json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
        out[f"/api/v2/{name}"] = resource(body, JSON, stamp)
    out["/status.css"] = resource(stylesheet(), CSS, stamp)
    # The tab's dot takes the overall state's colour.
    icon = environment().get_template("favicon.svg.j2").render(colour=_FAVICON[page.indicator])
    out["/favicon.svg"] = resource(icon.encode("utf-8"), SVG, stamp)
    return out


def _renderer(ctx: dict[str, Any]) -> Callable[..., bytes]:
    def html(template: str, **extra: Any) -> bytes:
        return environment().get_template(template).render(ctx, **extra).encode("utf-8")

    return html


def _context(page: StatusPage, lang: Language, prefix: str) -> dict[str, Any]:
    root = page.config.root
    other = "en" if lang.code == "fr" else "fr"
    recent = page.generated_at - RECENT_DAYS * 86400
    return {
        "page": page,
        "lang": lang,
        "t": lang.t,
        "title": page.config.title if lang.code == "fr" else page.config.title_en,
        "home": f"{root}{prefix}/",
        "base": f"{root}{prefix}",
        "root": root,
        "other": other,
        "other_home": f"{root}{LANGUAGES[other]}/",
        "missing": MISSING,
        "when": lambda ts: _when(page, lang, ts),
        "iso": lambda ts: page.local(ts).isoformat(timespec="seconds"),
        "name_of": lambda cid: _name(page, lang, cid),
        "notice_title": lambda n: _title(n, lang),
        "update_text": lambda u: _text(u, lang),
        # An English page showing a French text says so, for screen readers (RGAA 8.7).
        "falls_back": lambda u: lang.code == "en" and not u.automatic and not u.body_en,
        "day_text": lambda view, day: _day_text(view, day, lang),
        "month_name": lambda key: lang.day_or_month(key),
        "recent": [n for n in page.incidents if not n.open and (n.resolved_at or 0) >= recent],
        "component_name": lambda view: view.component.name if lang.code == "fr" else view.component.name_en,
        "group_name": lambda comp: comp.group if lang.code == "fr" else comp.group_en,
        "description": lambda comp: comp.description if lang.code == "fr" else comp.description_en,
        "day_counts": _day_counts,
        "notices_in": lambda month: [n for n in page.notices if page.month_of(n) == month],
        "icons": ICONS,
    }


def _when(page: StatusPage, lang: Language, ts: float | None) -> str:
    return MISSING if ts is None else lang.date_time(page.local(ts))


def _name(page: StatusPage, lang: Language, component: str) -> str:
    for view in page.components:
        if view.id == component:
            return view.component.name if lang.code == "fr" else view.component.name_en
    return component


def _title(notice: PublicNotice, lang: Language) -> str:
    title = notice.title if lang.code == "fr" else notice.title_en
    return title or lang.t("status.maintenance.untitled")


def _text(update: PublicUpdate, lang: Language) -> str:
    if update.automatic:
        return lang.t(f"status.auto.{update.status}")
    return (update.body_en or update.body) if lang.code == "en" else update.body


def _day_text(view: ComponentView, day: Any, lang: Language) -> str:
    """The words of one bar (its tooltip): the date, the state, availability and downtime."""
    words = [lang.date(day.day), lang.t(f"status.day.{day.state}")]
    if day.state not in ("nodata", "closed"):
        words.append(lang.t("status.day.availability", value=lang.percent(day.availability, 2)))
        if day.down_s:
            words.append(lang.t("status.day.down_for", duration=lang.duration(day.down_s)))
    return " — ".join(words)


def _day_counts(view: ComponentView) -> dict[str, int]:
    counts: dict[str, int] = {}
    for day in view.history.days:
        counts[day.state] = counts.get(day.state, 0) + 1
    return counts


def _entries(page: StatusPage) -> list[tuple[PublicNotice, PublicUpdate]]:
    """One feed entry per update, the newest first."""
    found = [(notice, update) for notice in page.notices for update in notice.updates]
    found.sort(key=lambda e: (e[1].at, e[1].id), reverse=True)
    return found[:FEED_ENTRIES]


# --- badges --------------------------------------------------------------------------------

_BADGE_COLOURS = {
    "operational": "#18753c",
    "degraded_performance": "#b34000",
    "partial_outage": "#b34000",
    "major_outage": "#ce0500",
    "under_maintenance": "#0063cb",
}


_FAVICON = {
    "none": "#18753c",
    "maintenance": "#0063cb",
    "minor": "#b34000",
    "major": "#ce0500",
    "critical": "#ce0500",
}


def _text_width(text: str) -> int:
    """Rough width in pixels of ``text`` at 11 px Verdana (no font metrics at hand)."""
    return 10 + sum(7 if ch.isupper() or ch in "mwMW" else 6 for ch in text)


def badge(view: ComponentView, lang: Language) -> dict[str, Any]:
    """What the badge template needs: two labels, their widths, the colour."""
    label = view.component.name
    value = lang.label("status.component", view.status)
    left, right = _text_width(label), _text_width(value)
    return {
        "label": label,
        "value": value,
        "left": left,
        "right": right,
        "width": left + right,
        "colour": _BADGE_COLOURS[view.status],
    }
