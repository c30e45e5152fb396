"""Time spans (half-open ``[start, end)`` in epoch seconds) and the arithmetic on them.

Lists of spans are kept sorted and non-overlapping ("normalised"); every function here
is pure and linear in the size of its inputs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

Span = tuple[float, float]


def normalise(spans: Iterable[Span]) -> list[Span]:
    """Sort, drop empty spans and merge overlapping or touching ones."""
    out: list[Span] = []
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def intersect(a: Sequence[Span], b: Sequence[Span]) -> list[Span]:
    """The intersection of two normalised span lists."""
    out: list[Span] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start = max(a[i][0], b[j][0])
        end = min(a[i][1], b[j][1])
        if start < end:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def clip(spans: Sequence[Span], start: float, end: float) -> list[Span]:
    """A normalised span list cut to ``[start, end)``."""
    return intersect(spans, [(start, end)]) if end > start else []


def total(spans: Iterable[Span]) -> float:
    """Summed length of spans (normalised, or the sum counts overlaps twice)."""
    return sum(end - start for start, end in spans)


def overlap(spans: Sequence[Span], start: float, end: float, hint: int = 0) -> tuple[float, int]:
    """Length of ``[start, end)`` inside a normalised list, and the index to resume from.

    Callers walking ``[start, end)`` forward pass the returned index back as ``hint``,
    which makes a whole sweep linear.
    """
    i = hint
    while i < len(spans) and spans[i][1] <= start:
        i += 1
    covered = 0.0
    k = i
    while k < len(spans) and spans[k][0] < end:
        covered += min(end, spans[k][1]) - max(start, spans[k][0])
        k += 1
    return covered, i
