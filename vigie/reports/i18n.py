"""What a report says, in French (default) or English: the message catalogue and number,
percentage, duration and date formatting per language.

French typography: decimal comma, narrow no-break spaces (U+202F) between thousands and
before ``%``, so ``99,988 %`` and ``50 000`` never break across lines.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

NNBSP = "\u202f"  # narrow no-break space: French thousands separator and before "%"

MONTHS = {
    "fr": (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}
SHORT_MONTHS = {
    "fr": ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}

# key -> (French, English). Keys are grouped by report section.
CATALOGUE: dict[str, tuple[str, str]] = {
    "title.monthly": ("Rapport mensuel de disponibilité", "Monthly availability report"),
    "title.yearly": ("Rapport annuel de disponibilité", "Yearly availability report"),
    "subtitle": ("Système d'information — MCO et sécurité", "Information system — operations and security"),
    "generated": ("Établi le {date} (fuseau {tz})", "Generated on {date} ({tz} time)"),
    "period": ("Période", "Period"),
    # summary
    "summary": ("Synthèse", "Summary"),
    "summary.met": (
        "{met} composants sur {total} ont atteint leur cible de disponibilité.",
        "{met} of {total} components met their availability target.",
    ),
    "summary.all_met": (
        "Les {total} composants ont atteint leur cible de disponibilité.",
        "All {total} components met their availability target.",
    ),
    "summary.worst": (
        "Disponibilité la plus basse : {name}, {availability} pour une cible de {target}.",
        "Lowest availability: {name}, {availability} against a target of {target}.",
    ),
    "summary.budget": (
        "Budget d'indisponibilité consommé : {used} du budget total ({down} d'indisponibilité sur {budget} autorisés).",
        "Error budget consumed: {used} of the total budget ({down} unavailable out of {budget} allowed).",
    ),
    "summary.incidents": ("{count} incidents sur la période.", "{count} incidents in the period."),
    "summary.incident_one": ("Un incident sur la période.", "One incident in the period."),
    "summary.no_incident": ("Aucun incident sur la période.", "No incident in the period."),
    "summary.notable": ("Incidents marquants :", "Notable incidents:"),
    "summary.no_measure": (
        "Aucune mesure de disponibilité sur la période.",
        "No availability measurement in the period.",
    ),
    "summary.throughput_over.monthly": (
        "{name} au-delà de sa capacité nominale pendant {count} sur le mois, pic le {peak} ({utilisation}).",
        "{name} over its nominal capacity on {count} of the month, peak on {peak} ({utilisation}).",
    ),
    "summary.throughput_over.yearly": (
        "{name} au-delà de sa capacité nominale pendant {count} de l'année, pic en {peak} ({utilisation}).",
        "{name} over its nominal capacity in {count} of the year, peak in {peak} ({utilisation}).",
    ),
    "count.days.one": ("un jour", "one day"),
    "count.days.many": ("{n} jours", "{n} days"),
    "count.months.one": ("un mois", "one month"),
    "count.months.many": ("{n} mois", "{n} months"),
    "kpi.met": ("composants à la cible", "components on target"),
    "kpi.budget": ("du budget d'indisponibilité consommé", "of the error budget consumed"),
    # availability
    "availability": ("Disponibilité par composant", "Availability by component"),
    "availability.lead": (
        "Disponibilité = temps en service (dont dégradé) / (temps en service + arrêt), "
        "dans la plage de service ; maintenance et temps non mesuré exclus du calcul. Valeurs tronquées.",
        "Availability = time up (degraded included) / (time up + down), within the service "
        "schedule; maintenance and unmeasured time excluded. Values are floored.",
    ),
    "availability.marks": ("✓ cible atteinte, ✗ cible non atteinte.", "✓ target met, ✗ target missed."),
    "col.component": ("Composant", "Component"),
    "col.availability": ("Taux de disponibilité totale", "Total availability"),
    "col.target": ("Cible", "Target"),
    "col.actual": ("Moyenne réelle", "Actual"),
    "col.downtime": ("Arrêt", "Downtime"),
    "col.maintenance": ("Maintenance", "Maintenance"),
    "col.unknown": ("Non mesuré", "Unknown"),
    "col.coverage": ("Couverture", "Coverage"),
    "col.budget_remaining": ("Budget restant", "Budget left"),
    "col.incidents": ("Incidents", "Incidents"),
    "col.status": ("État", "Status"),
    "col.start": ("Début", "Start"),
    "col.end": ("Fin", "End"),
    "col.duration": ("Durée", "Duration"),
    "col.cause": ("Cause", "Cause"),
    "col.capacity": ("Capacité nominale", "Nominal capacity"),
    "col.mean": ("Moyenne", "Average"),
    "col.peak": ("Pic", "Peak"),
    "col.utilisation": ("Utilisation", "Utilisation"),
    "col.over": ("Périodes au-delà de la capacité", "Periods over capacity"),
    "col.application": ("Application", "Application"),
    "col.channel": ("Canal", "Channel"),
    "col.tickets": ("Tickets", "Tickets"),
    "col.previous": ("Année précédente", "Previous year"),
    "col.change": ("Évolution", "Change"),
    "col.expiry": ("Échéance", "Expiry"),
    "col.days_left": ("Jours restants", "Days left"),
    "col.authority": ("Autorité", "Authority"),
    "col.reserve": ("Réserve", "Reserve"),
    "col.owner": ("Responsable", "Owner"),
    "col.due": ("Échéance", "Due"),
    "col.in_scope": ("À décommissionner", "In scope"),
    "col.unscheduled": ("Sans date", "Unscheduled"),
    "contract_late": ("contrat de progrès en retard", "progress contract late"),
    "channel.phone": ("Téléphone", "Phone"),
    "channel.chat": ("Messagerie instantanée", "Live chat"),
    "channel.web": ("Formulaire web", "Web form"),
    "channel.chatbot": ("Assistant virtuel", "Chatbot"),
    "channel.email": ("Courriel", "E-mail"),
    "channel.other": ("Autre", "Other"),
    "col.ministry": ("Ministère", "Ministry"),
    "col.switched_off": ("Éteintes", "Switched off"),
    "col.planned": ("Prévues", "Planned"),
    "col.late": ("En retard", "Late"),
    "col.progress": ("Avancement", "Progress"),
    "breached": ("non atteinte", "missed"),
    "met": ("atteinte", "met"),
    "no_data": ("sans mesure", "no data"),
    "ongoing": ("en cours", "ongoing"),
    # trend
    "trend": ("Tendance sur douze mois", "Twelve-month trend"),
    "trend.yearly": ("Disponibilité mois par mois", "Availability month by month"),
    "trend.table": (
        "Disponibilité mensuelle en %, tronquée à deux décimales.",
        "Monthly availability in %, floored to two decimals.",
    ),
    "trend.lead": (
        "Disponibilité mensuelle de chaque composant ; en rouge, les mois sous la cible.",
        "Monthly availability of each component; red marks months below target.",
    ),
    "trend.md_lead": ("En gras, les mois sous la cible.", "Months below target in bold."),
    "legend.met": ("cible atteinte", "target met"),
    "legend.close": ("moins de 0,5 point au-dessus de la cible", "within 0.5 point above target"),
    "legend.breached": ("sous la cible", "below target"),
    "legend.none": ("pas de mesure", "no data"),
    # incidents
    "incidents": ("Incidents", "Incidents"),
    "incidents.lead": (
        "Chaque incident est un intervalle d'arrêt continu d'un composant (heures de {tz}).",
        "Each incident is a continuous down interval of a component ({tz} time).",
    ),
    "incidents.none": ("Aucun incident sur la période.", "No incident in the period."),
    "incidents.longest": (
        "Les {count} plus longs des {total} incidents de l'année :",
        "The {count} longest of the year's {total} incidents:",
    ),
    "incidents.more": (
        "… et {count} autres incidents (liste complète dans les exports JSON et CSV).",
        "… and {count} more incidents (full list in the JSON and CSV exports).",
    ),
    # throughput
    "throughput": ("Débit et capacité nominale", "Throughput and nominal capacity"),
    "throughput.lead": (
        "Volume moyen par période rapporté à la capacité nominale ; en rouge, les périodes au-delà.",
        "Average volume per period against nominal capacity; red marks periods over it.",
    ),
    "throughput.capacity_line": ("capacité nominale", "nominal capacity"),
    "per.second": ("seconde", "second"),
    "per.minute": ("minute", "minute"),
    "per.hour": ("heure", "hour"),
    "per.day": ("jour", "day"),
    "per.month": ("mois", "month"),
    "none_over": ("aucune", "none"),
    # tickets
    "tickets": ("Assistance : volumes de tickets", "Service desk: ticket volumes"),
    "tickets.by_application": ("Par application", "By application"),
    "tickets.by_channel": ("Par canal", "By channel"),
    "tickets.total": ("Total", "Total"),
    # homologations
    "homologations": ("Homologations de sécurité", "Security accreditations (homologations)"),
    "homologations.lead": ("Situation au {date} : ", "Status on {date}: "),
    "homologations.expired": ("Expirées", "Expired"),
    "homologations.expiring": ("Arrivant à échéance", "Expiring soon"),
    "homologations.reserves": ("Réserves échues non levées", "Open reserves past due"),
    # decommissioning
    "decommissioning": ("Décommissionnement par ministère", "Decommissioning by ministry"),
    # absent data
    "absent.no_data": (
        "Données non disponibles : aucune mesure sur la période.",
        "No data: nothing was measured in the period.",
    ),
    "absent.no_tickets": (
        "Données non disponibles : aucun ticket dans la base (voir « vigie tickets import » ou « vigie tickets pull »).",
        "No data: no ticket in the store (see “vigie tickets import” or “vigie tickets pull”).",
    ),
    "absent.no_catalog": (
        "Données non disponibles : aucun catalogue configuré (clé « path » de la table [catalog]).",
        "No data: no catalog configured (key “path” of the [catalog] table).",
    ),
    "absent.catalog_missing": (
        "Données non disponibles : le catalogue nommé dans la configuration est introuvable.",
        "No data: the catalog the configuration names cannot be found.",
    ),
    "absent.no_capacity": (
        "Données non disponibles : aucun composant n'a de capacité nominale configurée.",
        "No data: no component has a nominal capacity configured.",
    ),
    "footer": (
        "Rapport produit par Vigie à partir des mesures enregistrées ; les chiffres sont ceux de « vigie sla ».",
        "Report produced by Vigie from stored measurements; figures are those of “vigie sla”.",
    ),
}


@dataclass(frozen=True)
class Language:
    """Messages and formatting for one language (``fr`` or ``en``)."""

    code: str

    @property
    def index(self) -> int:
        """Column of the catalogue for this language."""
        return 0 if self.code == "fr" else 1

    @property
    def colon(self) -> str:
        """A colon as the language writes it (French: no-break space before)."""
        return "\u00a0: " if self.code == "fr" else ": "

    def t(self, key: str, **values: object) -> str:
        """The message ``key`` in this language, with ``{placeholders}`` filled in."""
        text = CATALOGUE[key][self.index]
        return text.format(**values) if values else text

    def number(self, value: float | None, digits: int = 0) -> str:
        """A number with this language's thousands separator and decimal mark."""
        if value is None or math.isnan(value):
            return "–"
        text = f"{value:,.{digits}f}"
        if self.code == "fr":
            text = text.replace(",", NNBSP).replace(".", ",")
        return text

    def percent(self, ratio: float | None, digits: int = 3, floor: bool = True, sign: bool = True) -> str:
        """A ratio as a percentage; floored by default (one failure never shows 100 %).
        ``sign=False`` leaves out the ``%`` (table cells under a "%" heading)."""
        if ratio is None:
            return "–"
        scale = 10**digits
        value = ratio * 100 * scale
        value = math.floor(value + 1e-7) if floor else round(value)
        text = self.number(value / scale, digits)
        if not sign:
            return text
        return f"{text}{NNBSP}%" if self.code == "fr" else f"{text}%"

    def target(self, ratio: float) -> str:
        """An SLA target as given in the config: ``98 %``, ``99,5 %``."""
        value = round(ratio * 100, 3)
        digits = 0 if value == int(value) else len(f"{value:g}".partition(".")[2])
        return self.percent(ratio, digits, floor=False)

    def change(self, ratio: float | None) -> str:
        """A relative change with its sign: ``+260 %``, ``-12,5 %``."""
        if ratio is None:
            return "–"
        sign = "+" if ratio >= 0 else "−"
        return sign + self.percent(abs(ratio), 1, floor=False)

    def duration(self, seconds: float | None) -> str:
        """A duration for people: ``45 s``, ``12 min``, ``3 h 05 min``, ``2 j 04 h``."""
        if seconds is None:
            return "–"
        total = int(seconds)
        days, rest = divmod(total, 86400)
        hours, rest = divmod(rest, 3600)
        minutes, secs = divmod(rest, 60)
        day = "j" if self.code == "fr" else "d"
        if days:
            return f"{days}{NNBSP}{day} {hours:02d}{NNBSP}h"
        if hours:
            return f"{hours}{NNBSP}h {minutes:02d}{NNBSP}min"
        if minutes:
            return (
                f"{minutes}{NNBSP}min {secs:02d}{NNBSP}s" if minutes < 10 and secs else f"{minutes}{NNBSP}min"
            )
        return f"{secs}{NNBSP}s"

    def date_time(self, moment: datetime | None) -> str:
        """A local date and time: ``03/07/2017 14:25`` or ``2017-07-03 14:25``."""
        if moment is None:
            return "–"
        return moment.strftime("%d/%m/%Y %H:%M" if self.code == "fr" else "%Y-%m-%d %H:%M")

    def date(self, moment: datetime | None) -> str:
        """A local date: ``03/07/2017`` or ``2017-07-03``."""
        if moment is None:
            return "–"
        return moment.strftime("%d/%m/%Y" if self.code == "fr" else "%Y-%m-%d")

    def channel(self, code: str) -> str:
        """A ticket channel's name (its code when the catalogue has none)."""
        key = f"channel.{code}"
        return self.t(key) if key in CATALOGUE else code

    def count(self, n: int, unit: str) -> str:
        """``un jour``, ``3 jours``, ``2 mois`` (``unit``: days or months)."""
        return self.t(f"count.{unit}.{'one' if n == 1 else 'many'}", n=n)

    def bucket(self, key: str, short: bool = False) -> str:
        """A throughput bucket's key (``2017-07-15`` a day, ``2017-07`` a month) for people."""
        year, month, *day = (int(part) for part in key.split("-"))
        if day:
            if short:
                return str(day[0])
            return (
                f"{day[0]:02d}/{month:02d}"
                if self.code == "fr"
                else f"{SHORT_MONTHS['en'][month - 1]} {day[0]}"
            )
        return self.short_month(month) if short else self.month(year, month)

    def bucket_ranges(self, keys: Sequence[str]) -> str:
        """Bucket keys as runs of consecutive ones: ``10/07–14/07, 28/07``."""
        runs: list[list[str]] = []
        for key in keys:
            if runs and _ordinal(key) == _ordinal(runs[-1][-1]) + 1:
                runs[-1].append(key)
            else:
                runs.append([key])
        return ", ".join(
            self.bucket(run[0]) if len(run) == 1 else f"{self.bucket(run[0])}–{self.bucket(run[-1])}"
            for run in runs
        )

    def month(self, year: int, month: int) -> str:
        """``juillet 2017`` / ``July 2017``."""
        return f"{MONTHS[self.code][month - 1]} {year}"

    def short_month(self, month: int) -> str:
        """``juil.`` / ``Jul``."""
        return SHORT_MONTHS[self.code][month - 1]


def _ordinal(key: str) -> int:
    """A day key's day number or a month key's month number, to tell consecutive buckets."""
    year, month, *day = (int(part) for part in key.split("-"))
    return date(year, month, day[0]).toordinal() if day else year * 12 + month
