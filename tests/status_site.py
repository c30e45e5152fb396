"""A small public status page to test: a config with two public components in a group and one
alone, a public weekly maintenance, and a store holding 30 days of Chorus Pro's checks with
one local day never measured (a grey bar), a one-hour outage five days ago and an outage
going on now (its last check failed with an internal host name in the error)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path

from vigie.accounting.results import ProbeResult, Status
from vigie.console.settings import Settings, load_settings
from vigie.probes.store import Store
from vigie.reports.status.communication import Communications

INTERNAL_HOST = "srv-chorus-pro-07.intra.example"
PROBE_URL = f"http://{INTERNAL_HOST}:8443/health"
RAW_ERROR = f"HTTP 503 from {INTERNAL_HOST}"
STEP = 300.0

CONFIG = f"""
[vigie]
timezone = "Europe/Paris"
language = "fr"

[store]
path = "vigie.db"

[[components]]
id = "chorus-pro"
name = "Chorus Pro (interne)"
target = 99

[[components]]
id = "chorus-pro-api"
name = "API Chorus Pro"
target = 99

[[components]]
id = "place"
name = "PLACE"
target = 98

[[components]]
id = "internal-only"
name = "Base interne"
target = 98

[[probes]]
id = "pro-http"
component = "chorus-pro"
kind = "http"
url = "{PROBE_URL}"
interval = "5m"

[[maintenance]]
id = "place-weekly"
component = "place"
reason = "Maintenance hebdomadaire de PLACE"
every = "week"
day = "sun"
at = "02:00"
duration = "2h"
public = true

[[maintenance]]
id = "secret-window"
component = "internal-only"
reason = "Bascule du serveur {INTERNAL_HOST}"
every = "week"
day = "sat"
at = "03:00"
duration = "1h"

[status]
title = "État des services du SI Chorus"
title_en = "SI Chorus service status"
base_url = "https://statut.example.gouv.fr"

[[status.components]]
id = "chorus-pro"
name = "Chorus Pro"
group = "Facturation électronique"
group_en = "Electronic invoicing"
description = "Portail et services de facturation"
description_en = "Invoicing portal and services"

[[status.components]]
id = "chorus-pro-api"
name = "API Chorus Pro"
group = "Facturation électronique"
group_en = "Electronic invoicing"

[[status.components]]
id = "place"
name = "PLACE"
"""


def make_site(folder: Path, now: float) -> Settings:
    """Write the config and fill the store; returns the settings."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    settings = load_settings(path)
    tz = settings.timezone
    today = datetime.fromtimestamp(now, tz).date()
    gap = today - timedelta(days=12)
    gap_start = datetime.combine(gap, time(0), tz).timestamp()
    gap_end = datetime.combine(gap + timedelta(days=1), time(0), tz).timestamp()
    outage = now - 5 * 86400
    results = []
    ts = now - 30 * 86400
    while ts < now:
        if not gap_start - STEP <= ts < gap_end:
            down = outage <= ts < outage + 3600 or ts >= now - 3 * STEP
            status = Status.DOWN if down else Status.UP
            results.append(
                ProbeResult("chorus-pro", "pro-http", ts, status, 120.0, RAW_ERROR if down else "HTTP 200")
            )
        ts += STEP
    with Store.of_config(settings.probes, settings.store_path()) as store:
        store.append(results)
    return settings


def communications(settings: Settings) -> Communications:
    """The notices of the fixture's store."""
    return Communications.open(settings.store_path(), [c.id for c in settings.status.components])


def publish_outage(settings: Settings, now: float) -> int:
    """An incident in progress on Chorus Pro (two updates), a resolved one with a post-mortem
    (on the outage five days ago) and a draft; returns the open incident's id."""
    with communications(settings) as comms:
        old = comms.open_incident(
            {"chorus-pro": "partial_outage"},
            "Le portail répond lentement.",
            title="Lenteurs du portail",
            title_en="Slow portal",
            now=now - 5 * 86400 + 600,
            at=now - 5 * 86400,
            message_en="The portal is slow.",
        )
        comms.resolve(
            old.id,
            "Le service est rétabli.",
            now=now - 5 * 86400 + 3600,
            cause="Saturation du répartiteur de charge",
        )
        comms.postmortem(old.id, "Le répartiteur a été **redimensionné**.", now=now - 4 * 86400)
        current = comms.open_incident(
            {"chorus-pro": "major_outage", "chorus-pro-api": "degraded_performance"},
            "Chorus Pro est **indisponible**. Nos équipes analysent la situation.",
            title="Indisponibilité de Chorus Pro",
            title_en="Chorus Pro unavailable",
            now=now - 600,
            at=now - 3 * STEP,
            message_en="Chorus Pro is **down**. Our teams are investigating.",
        )
        comms.update(
            current.id,
            "Cause identifiée : un équipement réseau. Voir [la FAQ](https://communaute.example.gouv.fr/faq).",
            now=now - 300,
            status="identified",
            message_en="Cause identified: a network device.",
        )
        comms.open_incident(
            {"place": "major_outage"},
            "Brouillon jamais publié",
            title="Brouillon PLACE",
            title_en="PLACE draft",
            now=now - 200,
            published=False,
        )
    return current.id
