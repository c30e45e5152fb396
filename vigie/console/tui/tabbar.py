"""The tab bar's titles: the domain's full words where they fit, short forms on narrow terminals."""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from textual import events
from textual.widgets import TabbedContent

from vigie.console.tui.keys import TAB_IDS
from vigie.kernel.text.language import Language

TAB_PADDING = 2
"""Cells a title takes beyond its text: Textual's Tab pads one cell on each side."""


def fit(full: Sequence[str], short: Sequence[str], width: int) -> list[str]:
    """The titles to show in ``width`` cells: the full ones, the longest swapped for its
    short form one at a time until the row fits (every short form when nothing fits)."""
    titles = list(full)
    longest_first = sorted(range(len(titles)), key=lambda i: -cell_len(full[i]))
    for index in longest_first:
        if sum(cell_len(title) + TAB_PADDING for title in titles) <= width:
            break
        titles[index] = short[index]
    return titles


def tab_titles(lang: Language, width: int | None = None) -> list[str]:
    """Numbered titles of the tabs (``1 Disponibilité``…) that fit ``width`` cells
    (None: the full ones)."""
    full = [f"{n} {lang.t(f'tui.tab.{tab}')}" for n, tab in enumerate(TAB_IDS, 1)]
    if width is None:
        return full
    short = [f"{n} {lang.t(f'tui.tab.{tab}.short')}" for n, tab in enumerate(TAB_IDS, 1)]
    return fit(full, short, width)


class ConsoleTabs(TabbedContent):
    """The console's tabs, whose titles shorten to stay visible when the width shrinks."""

    def __init__(self, lang: Language, *, id: str, initial: str) -> None:
        super().__init__(id=id, initial=initial)
        self.lang = lang

    def on_resize(self, event: events.Resize) -> None:
        """Fit the titles to the new width."""
        for tab, title in zip(TAB_IDS, tab_titles(self.lang, event.size.width), strict=True):
            label = self.get_tab(tab)
            if label.label_text != title:
                label.label = title
