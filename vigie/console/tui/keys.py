"""The console's keys: one list feeds both the bindings and the help screen."""

from __future__ import annotations

from dataclasses import dataclass

TAB_IDS = ("availability", "flows", "tickets", "homologations", "decom", "map", "tracking")


@dataclass(frozen=True)
class Key:
    """A key, the action it runs (None for keys handled by a widget), its help text and
    the short label the footer shows (None: not in the footer); both are message keys
    under ``tui.`` (``key.quit`` is ``tui.key.quit``)."""

    keys: str
    display: str
    action: str | None
    help: str
    footer: str | None = None


KEYS: tuple[Key, ...] = (
    Key("q", "q", "quit", "key.quit", "foot.quit"),
    Key("question_mark", "?", "help", "key.help", "foot.help"),
    Key("slash", "/", "filter", "key.filter", "foot.filter"),
    Key("escape", "échap/esc", "clear", "key.escape"),
    Key("p", "p", "pause", "key.pause", "foot.pause"),
    Key("plus", "+", "faster", "key.faster"),
    Key("minus", "-", "slower", "key.slower"),
    *(Key(str(n), str(n), f"tab('{tab}')", "key.tabs") for n, tab in enumerate(TAB_IDS, 1)),
    Key("s", "s", "sort", "key.sort", "foot.sort"),
    Key("r", "r", "reverse", "key.reverse", "foot.reverse"),
    Key("ctrl+r", "ctrl+r", "refresh_now", "key.refresh_now"),
    Key("a", "a", "alerts", "key.alerts"),
    Key("i", "i", "communication", "key.communication"),
    Key("enter", "entrée/enter", None, "key.enter"),
    Key("ctrl+p", "ctrl+p", None, "key.palette"),
)
