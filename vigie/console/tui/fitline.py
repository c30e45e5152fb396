"""One line of parts that never wraps: the least important parts are left out to fit.

The header and the summary lines above tables say several things on one line (the
clock, the daemon, the refresh; a month's ticket figures). On a narrow terminal a
wrapped line pushes the tables down and a cut one loses its end mid-word: here each part
has a priority (the table's: :data:`~vigie.console.tui.table.ALWAYS` and below) and the
line keeps the most important parts that fit, in their order, each one whole. A part may
also have a short form (the daemon's state without its details): the short forms are used
only when the parts kept always do not fit whole.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.widgets import Static

from vigie.console.tui.table import fitting

Part = tuple[str | Text, int] | tuple[str | Text, int, str | Text]
"""A part of the line, its priority, and optionally its short form."""


class FitLine(Static):
    """A one-line Static made of parts, showing those that fit its width."""

    def __init__(self, separator: str = " · ", **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.separator = separator
        self._parts: list[Part] = []
        self._shown: Text | None = None

    def set_parts(self, parts: Sequence[Part]) -> None:
        """Show new parts (in display order)."""
        self._parts = list(parts)
        self._fit()

    @property
    def text(self) -> str:
        """The line as shown."""
        return "" if self._shown is None else self._shown.plain

    def on_resize(self, event: events.Resize) -> None:
        """Fit the parts to the new width."""
        self._fit()

    def _fit(self) -> None:
        width = self.content_region.width or self.size.width
        line = self._line([part[0] for part in self._parts], width)
        if width > 0 and cell_len(line.plain) > width:
            line = self._line([part[2] if len(part) == 3 else part[0] for part in self._parts], width)
        if self._shown is None or line != self._shown:
            self._shown = line
            # One line of fixed height: no layout pass over the screen.
            self.update(line, layout=False)

    def _line(self, forms: list[str | Text], width: int) -> Text:
        """The parts, in the given forms, that fit ``width`` (all when it is unknown)."""
        texts = [form if isinstance(form, Text) else Text(form) for form in forms]
        gap = cell_len(self.separator)
        widths = [cell_len(t.plain) + (gap if i else 0) for i, t in enumerate(texts)]
        shown = range(len(texts)) if width <= 0 else fitting(widths, [part[1] for part in self._parts], width)
        return Text(self.separator).join(texts[i] for i in shown)
