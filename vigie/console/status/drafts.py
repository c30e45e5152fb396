"""A draft incident from a measured one: the console's "communiquer" and the demo use it.

The draft names the component, starts when the measured outage started and says so in
plain words (French and English); nothing is public until someone publishes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from vigie.console.settings import Settings
from vigie.kernel.text.language import Language
from vigie.reports.status.communication import Communications, Notice


@dataclass(frozen=True)
class Draft:
    """What the form starts with: the component, its public status, the start, the texts."""

    component: str
    status: str
    start: float
    title: str
    title_en: str
    message: str
    message_en: str


def public_name(settings: Settings, component: str, lang: Language) -> str:
    """The component's public name in ``lang`` (its id when it is not public)."""
    for comp in settings.status.components:
        if comp.id == component:
            return comp.name if lang.code == "fr" else comp.name_en
    return component


def draft_for(settings: Settings, component: str, start: float, status: str = "major_outage") -> Draft:
    """The draft of an incident on ``component`` measured from ``start``."""
    texts = []
    for code in ("fr", "en"):
        lang = Language(code)
        name = public_name(settings, component, lang)
        when = lang.date_time(datetime.fromtimestamp(start, settings.timezone))
        texts.append(
            (
                f"{name}{lang.colon}{lang.label('status.component', status)}",
                lang.t("tui.comm.draft_text", name=name, when=when),
            )
        )
    (title, message), (title_en, message_en) = texts
    return Draft(component, status, start, title, title_en, message, message_en)


def open_communications(settings: Settings) -> Communications:
    """The notices of the configured store, for the public components."""
    public = [c.id for c in settings.status.components]
    return Communications.open(settings.store_path(), public, settings.probes.store.busy_timeout)


def save_draft(settings: Settings, draft: Draft, now: float, published: bool = False) -> Notice:
    """Write the draft (or publish it at once)."""
    with open_communications(settings) as comms:
        return comms.open_incident(
            {draft.component: draft.status},
            draft.message,
            title=draft.title,
            title_en=draft.title_en,
            now=now,
            at=min(draft.start, now),
            message_en=draft.message_en,
            published=published,
        )
