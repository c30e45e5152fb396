"""Simulated invoices for the demo's flow tracking (`vigie flows`, the console's "Suivi des
flux"): the last weeks of invoices through Chorus Pro, its exchange system, the Chorus
exchange system and Chorus Cœur, up to now.

The volumes are the 2017 activity report's, scaled down by :data:`SCALE`: 11.1 million
invoices a year, 78 % of them EDI, the EDI ones in files from 145 partners (4.9 million
flows for 8.7 million EDI invoices: one to a few invoices a file). Each invoice goes
through its path with the events the systems would report (Chorus Pro's statuses kept),
is renamed by the exchange system (its own id, Chorus Pro's named in ``correlation``),
then made available, accepted and paid over the following weeks; some are rejected,
suspended then completed, or recycled to the right recipient; Hélios pushes a few
"mise à disposition comptable" after the payment (flagged regressive); a few files are
sent twice; a few flows are stuck on their way. Showcase invoices ``CPP-00000001`` to
``CPP-00000007`` are the same at every start: one of each story.

This is simulated data shaped after the report, not measured data; it is written afresh at
each start of the demo, up to the start's time, and ingested through `vigie flows ingest`'s
own path.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

SCALE = 100
"""The demo's invoices are the report's volumes divided by this."""
INVOICES_PER_YEAR = 11_100_000
EDI_SHARE = 0.78
EDI_PARTNERS = 145
INVOICES_PER_FILE = 8_660_000 / 4_900_000  # EDI invoices per EDI flow (file), 2017
DAYS = 35
PORTAL_SUPPLIERS = 3_000
SHOWCASE = 7

REJECTS = (
    "Service destinataire inconnu",
    "SIRET du fournisseur invalide",
    "Facture en double",
    "Engagement juridique absent",
)
SUSPENSIONS = ("Pièce jointe manquante", "Montant incohérent avec le bon de commande")
RECYCLING = "Service destinataire erroné"

MINUTE, HOUR, DAY = 60.0, 3600.0, 86400.0


REPORTS_DAYS = 2
"""Files of the last days whose integration report is attached (and the showcase's)."""


@dataclass(frozen=True)
class Invoices:
    """What was written: events, invoices, files, the stuck and showcase invoices, and the
    integration reports to attach (name, content)."""

    events: int
    invoices: int
    files: int
    stuck: tuple[str, ...]
    showcase: tuple[str, ...]
    reports: tuple[tuple[str, bytes], ...]


class _Writer:
    def __init__(self, out: TextIO, now: float) -> None:
        self.out = out
        self.now = now
        self.events = 0

    def event(self, key: str, at: float, hop: str, event: str, **fields: Any) -> bool:
        """Write one event unless it is still to come; False once past ``now``."""
        if at > self.now:
            return False
        record = {"key": key, "at": _iso(at), "hop": hop, "event": event}
        record.update({k: v for k, v in fields.items() if v})
        self.out.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.events += 1
        return True


def _iso(at: float) -> str:
    return datetime.fromtimestamp(round(at), UTC).isoformat().replace("+00:00", "Z")


def _siret(rng: random.Random) -> str:
    return f"{rng.randrange(10**13, 10**14)}"


@dataclass
class _Story:
    """How one invoice's life goes: where it stops (stuck), what becomes of it."""

    outcome: str = "paid"  # paid, rejected, suspended, recycled, early-reject
    stop_after: int | None = None  # events kept before a stuck flow stops
    helios: bool = False
    no_ack: bool = False


def _life(
    w: _Writer,
    rng: random.Random,
    key: str,
    se_key: str,
    kind: str,
    partner: str,
    start: float,
    story: _Story,
    file: tuple[str, str, str] | None,
) -> float:
    """Write one invoice's events in time order; the time of its last event."""
    t = start
    written = 0
    last = start

    def add(hop: str, event: str, status: str = "", *, renamed: bool = False, **fields: Any) -> bool:
        nonlocal written, last
        if story.stop_after is not None and written >= story.stop_after:
            return False
        extra = {"type": kind, "partner": partner} if written == 0 else {}
        if renamed:
            ok = w.event(se_key, t, hop, event, status=status, **fields)
        else:
            ok = w.event(key, t, hop, event, status=status, **extra, **fields)
        if ok:
            written += 1
            last = t
        return ok

    if file is not None:
        name, control, report = file
        if not add(
            "se-chorus-pro", "received", batch=name, correlation={"file": name, "edi_control": control}
        ):
            return last
        t += rng.uniform(0.5, 5) * MINUTE
        add("se-chorus-pro", "transformed", report=report)
        t += rng.uniform(0.5, 5) * MINUTE
        add("se-chorus-pro", "sent")
        t += rng.uniform(1, 15) * MINUTE
    else:
        add("chorus-pro", "received")
        t += rng.uniform(1, 30)
    if not add("chorus-pro", "status", "DEPOSEE"):
        return last
    if story.outcome == "early-reject":
        t += rng.uniform(5, 60) * MINUTE
        add("chorus-pro", "status", "REJETEE", reason=rng.choice(REJECTS[:2]))
        return last
    t += rng.uniform(5, 60) * MINUTE
    add("chorus-pro", "status", "EN_COURS_ACHEMINEMENT")
    t += rng.uniform(1, 30) * MINUTE
    add("systeme-echanges", "received", renamed=True, correlation={"chorus_pro": key})
    t += rng.uniform(1, 10) * MINUTE
    add("systeme-echanges", "sent", renamed=True)
    t += rng.uniform(5, 120) * MINUTE
    add("chorus-coeur", "received", renamed=True)
    t += rng.uniform(1, 10) * MINUTE
    if not story.no_ack:
        add("systeme-echanges", "acknowledged", renamed=True)
    t += rng.uniform(1, 60) * MINUTE
    add("chorus-coeur", "status", "MISE_A_DISPOSITION")
    t += rng.uniform(1, 5) * DAY
    if story.outcome == "rejected":
        add("chorus-coeur", "status", "REJETEE", reason=rng.choice(REJECTS))
        return last
    if story.outcome == "suspended":
        add("chorus-coeur", "status", "SUSPENDUE", reason=rng.choice(SUSPENSIONS))
        t += rng.uniform(1, 4) * DAY
        add("chorus-pro", "status", "COMPLETEE")
        t += rng.uniform(0.5, 2) * DAY
    elif story.outcome == "recycled":
        add("chorus-coeur", "status", "A_RECYCLER", reason=RECYCLING)
        t += rng.uniform(0.5, 2) * DAY
        add("chorus-coeur", "status", "MISE_A_DISPOSITION")
        t += rng.uniform(1, 3) * DAY
    add("chorus-coeur", "status", "SERVICE_FAIT")
    t += rng.uniform(1, 5) * DAY
    add("chorus-coeur", "status", "MANDATEE")
    t += rng.uniform(2, 12) * DAY
    add("chorus-coeur", "status", "MISE_EN_PAIEMENT")
    if story.helios:
        t += rng.uniform(1, 12) * HOUR
        add("chorus-coeur", "status", "MISE_A_DISPOSITION_COMPTABLE")
    return last


def _story(rng: random.Random) -> _Story:
    draw = rng.random()
    outcome = "paid"
    if draw < 0.015:
        outcome = "early-reject"
    elif draw < 0.04:
        outcome = "rejected"
    elif draw < 0.08:
        outcome = "suspended"
    elif draw < 0.10:
        outcome = "recycled"
    return _Story(outcome, helios=rng.random() < 0.03, no_ack=rng.random() < 0.01)


# The showcase: (type, story) of CPP-00000001.. (started days ago, so each story is told).
_SHOWCASE: tuple[tuple[str, _Story, float], ...] = (
    ("facture-edi", _Story("paid", helios=True), 30 * DAY),
    ("facture-edi", _Story("rejected"), 12 * DAY),
    ("facture-portail", _Story("suspended"), 14 * DAY),
    ("facture-edi", _Story("recycled"), 20 * DAY),
    ("facture-edi", _Story(stop_after=6), 10 * HOUR),  # stuck at systeme-echanges
    ("facture-portail", _Story(stop_after=3), 5 * HOUR),  # stuck at chorus-pro
    ("facture-edi", _Story(stop_after=1), 3 * HOUR),  # stuck at se-chorus-pro
)


def write_invoices(path: Path, now: float, seed: int, *, scale: float = SCALE, days: int = DAYS) -> Invoices:
    """Write the demo's invoice events (JSON Lines) for the ``days`` days before ``now``, at
    the report's volumes divided by ``scale`` (the benchmark writes the full volume)."""
    rng = random.Random(seed)
    partners = [_siret(rng) for _ in range(EDI_PARTNERS)]
    # A few partners send most of the files (the big suppliers' EDI platforms).
    weights = [1 / (rank + 1) ** 0.8 for rank in range(EDI_PARTNERS)]
    suppliers = [_siret(rng) for _ in range(PORTAL_SUPPLIERS)]
    # A draw is an EDI file (of one or more invoices) or a portal invoice, so that 78 % of the
    # invoices are EDI ones.
    file_share = EDI_SHARE / (EDI_SHARE + INVOICES_PER_FILE * (1 - EDI_SHARE))
    per_day = INVOICES_PER_YEAR / 365 / scale / (file_share * INVOICES_PER_FILE + 1 - file_share)
    number = SHOWCASE
    files = 0
    stuck: list[str] = []
    reports: list[tuple[str, bytes]] = []

    def new_file(partner: str, at: float) -> tuple[str, str, str]:
        nonlocal files
        files += 1
        name = f"FLUX_{partner[-6:]}_{files:06d}.xml"
        w.event(name, at - 1, "se-chorus-pro", "received")
        return name, f"{files:09d}", f"CR_{name}"

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        w = _Writer(out, now)
        for n, (kind, story, ago) in enumerate(_SHOWCASE, 1):
            key = f"CPP-{n:08d}"
            file = new_file(partners[0], now - ago) if kind == "facture-edi" else None
            _life(
                w,
                rng,
                key,
                f"SE-{n:09d}",
                kind,
                partners[0] if file else suppliers[0],
                now - ago,
                story,
                file,
            )
            if file is not None:
                reports.append((file[2], integration_report(file[0], [key])))
            if story.stop_after is not None:
                stuck.append(key)
        start = now - days * DAY
        for day in range(days):
            for _ in range(round(rng.gauss(per_day, per_day**0.5))):
                at = start + (day + rng.random()) * DAY
                if rng.random() >= file_share:
                    number += 1
                    key = f"CPP-{number:08d}"
                    supplier = rng.choice(suppliers)
                    _life(w, rng, key, f"SE-{number:09d}", "facture-portail", supplier, at, _story(rng), None)
                    continue
                partner = rng.choices(partners, weights)[0]
                file = new_file(partner, at)
                twice = rng.random() < 0.002
                keys = []
                for _ in range(_invoices_in_file(rng)):
                    number += 1
                    key = f"CPP-{number:08d}"
                    keys.append(key)
                    _life(w, rng, key, f"SE-{number:09d}", "facture-edi", partner, at, _story(rng), file)
                    if twice:  # the partner's platform sent the file again
                        w.event(key, at + 30 * MINUTE, "se-chorus-pro", "received", batch=file[0])
                if at >= now - REPORTS_DAYS * DAY and at <= now:
                    reports.append((file[2], integration_report(file[0], keys)))
    showcase = tuple(f"CPP-{n:08d}" for n in range(1, SHOWCASE + 1))
    return Invoices(w.events, number, files, tuple(stuck), showcase, tuple(reports))


def _invoices_in_file(rng: random.Random) -> int:
    """One or more, geometric with the report's mean of invoices per EDI file."""
    count = 1
    while rng.random() < 1 - 1 / INVOICES_PER_FILE:
        count += 1
    return count


def integration_report(name: str, keys: list[str]) -> bytes:
    """The integration report (compte rendu d'intégration) of one EDI file, as SE Chorus Pro
    would write it: the file, and each invoice it carried, integrated."""
    lines = [f'<compteRendu fichier="{name}" factures="{len(keys)}">']
    lines += [f'  <facture id="{key}" statut="INTEGREE"/>' for key in keys]
    lines.append("</compteRendu>")
    return ("\n".join(lines) + "\n").encode("utf-8")
