"""Duration options as users write them (``--for 5m``, ``--step 5m``), checked in one place."""

from __future__ import annotations

from vigie.console.errors import UserError
from vigie.kernel.durations import format_duration, parse_duration


def duration_option(option: str, text: str | None, maximum: float | None = None) -> float | None:
    """The option's duration in seconds, above zero and at most ``maximum``; None when the
    option is not given; UserError with a one-line reason otherwise."""
    if text is None:
        return None
    try:
        seconds = parse_duration(text)
    except ValueError as exc:
        raise UserError(f"{option}: {exc}") from None
    if seconds <= 0:
        raise UserError(f"{option} {text}: must be longer than zero")
    if maximum is not None and seconds > maximum:
        raise UserError(f"{option} {text}: must be at most {format_duration(maximum)}")
    return seconds
