"""Local wall-clock time and UTC: stretches of constant offset, local spans mapped to UTC, DST.

Inside a stretch of constant UTC offset, local time is UTC plus that offset, so a local
span maps to UTC exactly; the stretches are found from the time zone's transitions, to
the second, by one search (:func:`offset_pieces`) that the service schedules and the
maintenance windows share.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from vigie.kernel.spans import Span, normalise

DAY = 86400


def aware(moment: datetime, timezone: ZoneInfo) -> datetime:
    """Attach a time zone to a local (naive) date-time; an aware one is kept as it is."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone)


def utc_offset(tz: ZoneInfo, ts: float) -> int:
    """The zone's UTC offset at instant ``ts``, in seconds."""
    delta = datetime.fromtimestamp(ts, tz).utcoffset()
    return int(delta.total_seconds()) if delta is not None else 0


def offset_pieces(tz: ZoneInfo, start: float, end: float) -> list[tuple[float, float, int]]:
    """Stretches ``(a, b, offset)`` of constant UTC offset (seconds) covering ``[start, end)``.

    A change of offset is placed at the first whole second that has the new offset.
    """
    pieces: list[tuple[float, float, int]] = []
    a, current = start, utc_offset(tz, start)
    probe = math.floor(start)
    while a < end:
        # Offsets change at most a few times a year: step by half-days, bisect to the second.
        nxt = min(probe + DAY // 2, math.ceil(end))
        if utc_offset(tz, nxt) != current:
            lo, hi = probe, nxt
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if utc_offset(tz, mid) == current:
                    lo = mid
                else:
                    hi = mid
            pieces.append((a, float(hi), current))
            a, current = float(hi), utc_offset(tz, hi)
        elif nxt >= end:
            break
        probe = nxt
    pieces.append((a, end, current))
    return [p for p in pieces if p[1] > p[0]]


def local_to_utc(local: Iterable[Span], tz: ZoneInfo, start: float, end: float) -> list[Span]:
    """Map local wall-clock spans (seconds since 1970-01-01 00:00 local) to UTC, cut to ``[start, end)``."""
    spans = normalise(local)
    out: list[Span] = []
    for a, b, off in offset_pieces(tz, start, end):
        for lo, hi in spans:
            s, e = max(lo - off, a), min(hi - off, b)
            if s < e:
                out.append((s, e))
    return normalise(out)


def jump_end(naive: datetime, tz: ZoneInfo) -> float | None:
    """For a wall-clock time that does not exist in ``tz`` (clocks going forward), the
    instant the clocks jumped; None for a time that exists (once or twice)."""
    before = naive.replace(tzinfo=tz, fold=0)
    after = naive.replace(tzinfo=tz, fold=1)
    if before.utcoffset() == after.utcoffset():
        return None
    # Both folds of a missing time map back to a different wall time; a repeated time does not.
    if datetime.fromtimestamp(before.timestamp(), tz).replace(tzinfo=None) == naive:
        return None
    low, high = sorted((before.timestamp(), after.timestamp()))
    pieces = offset_pieces(tz, low, high + 1)
    return pieces[1][0] if len(pieces) > 1 else None
