"""The status page's part of `config.toml`: ``[status]`` and its ``[[status.components]]``.

A public component is a configured component under its public name, in a group; the page
shows nothing else of it (no host, no probe URL, no error text). Without any
``[[status.components]]``, every configured component is public under its configured name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from vigie.kernel.tomlfile import Document, Section

DEFAULT_PORT = 8470
DEFAULT_DAYS = 90


@dataclass(frozen=True)
class PublicComponent:
    """A component as the public sees it: its public names (French, English) and group."""

    id: str
    name: str
    name_en: str
    group: str = ""
    group_en: str = ""
    description: str = ""
    description_en: str = ""


@dataclass(frozen=True)
class StatusConfig:
    """Where the page is served, what it is called, which components it shows.

    ``base_url`` is the page's public address (Atom ids and links); by default the
    address it is served on. ``refresh`` is how often the server reads the store again;
    ``announce`` how long before it starts a public ``[[maintenance]]`` window is shown.
    """

    title: str = "État des services"
    title_en: str = "Service status"
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    base_url: str = ""
    days: int = DEFAULT_DAYS
    refresh: float = 30.0
    announce: float = 7 * 86400.0
    components: tuple[PublicComponent, ...] = ()

    @property
    def url(self) -> str:
        """The page's public address, without a trailing slash."""
        return (self.base_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def root(self) -> str:
        """The path the site lives under ('' at the root of its host)."""
        return urlsplit(self.url).path.rstrip("/")


def load_status_config(doc: Document, components: dict[str, str]) -> StatusConfig:
    """Read ``[status]``; ``components`` maps configured ids to names. Problems go on ``doc``."""
    sec = doc.section("status")
    base = StatusConfig()
    public: list[PublicComponent] = []
    for item in _components(sec):
        comp = _component(item, components)
        if comp is not None and any(c.id == comp.id for c in public):
            item.problem("id", f"component '{comp.id}' is listed twice")
        elif comp is not None:
            public.append(comp)
    if not sec.data.get("components"):
        public = [PublicComponent(cid, name, name) for cid, name in components.items()]
    config = StatusConfig(
        title=sec.string("title", base.title) or base.title,
        title_en=sec.string("title_en", base.title_en) or base.title_en,
        host=sec.string("host", base.host) or base.host,
        port=_or(sec.integer("port", minimum=0, maximum=65535), base.port),
        base_url=sec.string("base_url", "", pattern=r"https?://[^\s?#]+", what="an http(s) URL") or "",
        days=_or(sec.integer("days", minimum=7, maximum=366), base.days),
        refresh=_or(sec.duration("refresh", minimum=1, maximum=3600), base.refresh),
        announce=_or(sec.duration("announce", minimum=0, maximum=90 * 86400), base.announce),
        components=tuple(public),
    )
    sec.done()
    return config


def _or(value: Any, default: Any) -> Any:
    return default if value is None else value


def _components(sec: Section) -> list[Section]:
    value = sec.raw("components", [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        sec.problem("components", "must be an array of tables ([[status.components]])")
        return []
    return [Section(sec.doc, (*sec.path, "components", i), v) for i, v in enumerate(value)]


def _component(sec: Section, components: dict[str, str]) -> PublicComponent | None:
    cid = sec.string("id", required=True)
    if cid is not None and cid not in components:
        sec.problem("id", f"no component with id '{cid}'")
        cid = None
    name = sec.string("name")
    name_en = sec.string("name_en")
    group = sec.string("group", "") or ""
    group_en = sec.string("group_en")
    description = sec.string("description", "") or ""
    description_en = sec.string("description_en")
    sec.done()
    if cid is None:
        return None
    name = name or components[cid]
    return PublicComponent(
        id=cid,
        name=name,
        name_en=name_en or name,
        group=group,
        group_en=group_en or group,
        description=description,
        description_en=description_en or description,
    )
