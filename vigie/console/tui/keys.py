"""The console's keys: one list feeds both the bindings and the help screen."""

from __future__ import annotations

from dataclasses import dataclass

TAB_IDS = ("availability", "flows", "tickets", "homologations", "decom", "map")


@dataclass(frozen=True)
class Key:
    """A key, the action it runs (None for keys handled by a widget), and its help text."""

    keys: str
    display: str
    action: str | None
    help: str
    footer: bool = True


KEYS: tuple[Key, ...] = (
    Key("q", "q", "quit", "key.quit"),
    Key("question_mark", "?", "help", "key.help"),
    Key("slash", "/", "filter", "key.filter"),
    Key("escape", "échap/esc", "clear", "key.escape", footer=False),
    Key("p", "p", "pause", "key.pause"),
    Key("plus", "+", "faster", "key.faster", footer=False),
    Key("minus", "-", "slower", "key.slower", footer=False),
    *(Key(str(n), str(n), f"tab('{tab}')", "key.tabs", footer=False) for n, tab in enumerate(TAB_IDS, 1)),
    Key("s", "s", "sort", "key.sort"),
    Key("r", "r", "reverse", "key.reverse"),
    Key("ctrl+r", "ctrl+r", "refresh_now", "key.refresh_now", footer=False),
    Key("enter", "entrée/enter", None, "key.enter", footer=False),
    Key("ctrl+p", "ctrl+p", None, "key.palette", footer=False),
)
