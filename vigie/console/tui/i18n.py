"""What the console says, in French (default) and English."""

from __future__ import annotations

from typing import Any

# One entry per message: (français, English). Kept in one table so a missing
# translation is a test failure, not a blank label.
TEXTS: dict[str, tuple[str, str]] = {
    # tabs
    "tab.availability": ("Disponibilité", "Availability"),
    "tab.flows": ("Flux", "Flows"),
    "tab.tickets": ("Tickets", "Tickets"),
    "tab.homologations": ("Homologations", "Homologations"),
    "tab.decom": ("Décommissionnement", "Decommissioning"),
    "tab.map": ("Cartographie", "Map"),
    # short forms, for terminals too narrow for the six full titles (80 columns)
    "tab.availability.short": ("Dispo.", "Avail."),
    "tab.flows.short": ("Flux", "Flows"),
    "tab.tickets.short": ("Tickets", "Tickets"),
    "tab.homologations.short": ("Homol.", "Homol."),
    "tab.decom.short": ("Décom.", "Decom."),
    "tab.map.short": ("Carto.", "Map"),
    # header
    "header.store": ("base", "store"),
    "header.refresh": ("rafraîchissement", "refresh"),
    "header.paused": ("EN PAUSE", "PAUSED"),
    "header.daemon_alive": (
        "démon actif (dernier résultat il y a {age})",
        "daemon alive (last result {age} ago)",
    ),
    "header.daemon_stale": (
        "démon arrêté ? dernier résultat il y a {age}",
        "daemon stopped? last result {age} ago",
    ),
    "header.daemon_none": ("aucun résultat", "no result yet"),
    "header.loading": ("chargement…", "loading…"),
    # states
    "state.up": ("disponible", "up"),
    "state.degraded": ("dégradé", "degraded"),
    "state.down": ("indisponible", "down"),
    "state.maintenance": ("maintenance", "maintenance"),
    "state.unknown": ("inconnu", "unknown"),
    # availability columns
    "col.component": ("Composant", "Component"),
    "col.state": ("État", "State"),
    "col.latency": ("Latence", "Latency"),
    "col.today": ("Auj.", "Today"),
    "col.month": ("Mois", "Month"),
    "col.rolling": ("30 j", "30 d"),
    "col.target": ("Cible", "Target"),
    "col.budget": ("Budget restant", "Budget left"),
    "col.trend": ("Latence (récente)", "Latency (recent)"),
    "col.incidents": ("Incidents", "Incidents"),
    # flows columns
    "col.rate": ("Débit", "Rate"),
    "col.capacity": ("Capacité nominale", "Nominal capacity"),
    "col.utilisation": ("Utilisation", "Utilisation"),
    "col.trend24": ("Débit sur 24 h", "Rate over 24 h"),
    "col.backlog": ("Retard fichiers", "File backlog"),
    "col.alert": ("Alerte", "Alert"),
    "flow.over": ("AU-DELÀ DE LA CAPACITÉ", "OVER CAPACITY"),
    "flow.waiting": ("{count} en attente, le plus ancien {age}", "{count} waiting, oldest {age}"),
    "flow.none_waiting": ("aucun fichier en attente", "no file waiting"),
    "flow.over_limit": (" (seuil {limit})", " (limit {limit})"),
    "flow.not_read": ("dossier non relevé", "folder not read"),
    "flow.per.second": ("/s", "/s"),
    "flow.per.minute": ("/min", "/min"),
    "flow.per.hour": ("/h", "/h"),
    "flow.per.day": ("/j", "/day"),
    "flow.per.month": ("/mois", "/month"),
    # tickets
    "tickets.summary": (
        "{month} : {opened} tickets ouverts ({growth} sur un an) · résolus au premier contact : {fcr} "
        "· délai médian {median} · en stock : {backlog}",
        "{month}: {opened} tickets opened ({growth} on a year) · first-contact resolution: {fcr} "
        "· median time to resolve {median} · backlog: {backlog}",
    ),
    "tickets.by_application": ("Par application (mois en cours)", "By application (this month)"),
    "tickets.by_channel": ("Par canal (mois en cours)", "By channel (this month)"),
    "tickets.by_month": ("Tendance sur 12 mois", "Trend over 12 months"),
    "col.application": ("Application", "Application"),
    "col.channel": ("Canal", "Channel"),
    "col.month_name": ("Mois", "Month"),
    "col.opened": ("Ouverts", "Opened"),
    "col.growth": ("Évol. 1 an", "1-year change"),
    "col.fcr": ("1er contact", "First contact"),
    "col.median": ("Délai médian", "Median time"),
    "col.backlog_tickets": ("En stock", "Backlog"),
    "col.share": ("Part", "Share"),
    "channel.phone": ("téléphone", "phone"),
    "channel.chat": ("tchat", "chat"),
    "channel.web": ("formulaire web", "web form"),
    "channel.chatbot": ("agent conversationnel", "chatbot"),
    "channel.email": ("courriel", "e-mail"),
    "channel.other": ("autre", "other"),
    # homologations
    "hom.all": ("tous les statuts", "every status"),
    "hom.counts": ("Au {as_of} : {counts}", "As of {as_of}: {counts}"),
    "col.status": ("Statut", "Status"),
    "col.ministry": ("Ministère", "Ministry"),
    "col.criticality": ("Criticité", "Criticality"),
    "col.expires": ("Échéance", "Expires"),
    "col.days_left": ("Jours restants", "Days left"),
    "col.reserves": ("Réserves ouvertes (en retard)", "Open reserves (overdue)"),
    "col.personal_data": ("Données perso.", "Personal data"),
    "alert.homologations": (
        "Homologations : {expired} expirée(s), {expiring} expirant bientôt",
        "Homologations: {expired} expired, {expiring} expiring soon",
    ),
    # decommissioning
    "decom.by_ministry": ("Avancement par ministère", "Progress by ministry"),
    "decom.retiring": ("Applications en extinction", "Applications being retired"),
    "decom.findings": ("Interfaces à supprimer ou à rerouter", "Interfaces to remove or reroute"),
    "col.progress": ("Avancement", "Progress"),
    "col.switched_off": ("Éteintes", "Switched off"),
    "col.planned": ("Planifiées", "Planned"),
    "col.late": ("En retard", "Late"),
    "col.contract": ("Contrat de progrès", "Progress contract"),
    "col.decom_on": ("Extinction", "Switch-off"),
    "col.replaced_by": ("Remplacée par", "Replaced by"),
    "col.interface": ("Interface", "Interface"),
    "col.retiring": ("Application retirée", "Retiring application"),
    "col.counterpart": ("Autre extrémité", "Other end"),
    "col.action": ("Action", "Action"),
    "col.deadline": ("Échéance", "Deadline"),
    "action.remove": ("supprimer", "remove"),
    "action.reroute": ("rerouter vers {target}", "reroute to {target}"),
    "decom.overdue": ("DÉPASSÉE", "OVERDUE"),
    # map
    "map.search": ("rechercher une application (nom ou identifiant)", "search an application (name or id)"),
    "map.pick": (
        "Tapez le nom d'une application ; entrée ouvre sa fiche, puis entrée sur un voisin pour y aller.",
        "Type an application's name; enter opens its page, then enter on a neighbour jumps to it.",
    ),
    "map.header": (
        "{name} ({id}) · {ministry} · domaine {domain} · zone {zone} · {phase}",
        "{name} ({id}) · {ministry} · domain {domain} · zone {zone} · {phase}",
    ),
    "map.incoming": ("Interfaces entrantes (qui lui envoie)", "Incoming interfaces (who sends to it)"),
    "map.outgoing": ("Interfaces sortantes (à qui elle envoie)", "Outgoing interfaces (who it sends to)"),
    "map.impact_down": ("Impact en aval (touchées si elle s'arrête)", "Downstream impact (hit if it stops)"),
    "map.impact_up": ("Dépendances en amont", "Upstream dependencies"),
    "col.protocols": ("Protocoles", "Protocols"),
    "col.volume": ("Volume/mois", "Volume/month"),
    "col.distance": ("Distance", "Distance"),
    "col.via": ("Via", "Via"),
    # messages in place
    "msg.no_store": (
        "Base de mesures absente : {path}\nLancez le démon de sondes (vigie run) pour la créer.",
        "No measurement store at {path}\nStart the probe daemon (vigie run) to create it.",
    ),
    "msg.empty_store": (
        "La base {path} ne contient encore aucun résultat.\nLancez le démon de sondes (vigie run).",
        "The store {path} holds no result yet.\nStart the probe daemon (vigie run).",
    ),
    "msg.store_error": ("Lecture de la base impossible : {error}", "Cannot read the store: {error}"),
    "msg.no_components": (
        "Aucun composant configuré ([[components]] dans {config}).",
        "No component configured ([[components]] in {config}).",
    ),
    "msg.no_catalog": (
        "Catalogue non configuré : ajoutez [catalog] path dans {config}.",
        "Catalog not configured: set [catalog] path in {config}.",
    ),
    "msg.catalog_missing": ("Catalogue introuvable : {path}", "Catalog not found: {path}"),
    "msg.catalog_error": ("Catalogue illisible : {error}", "Cannot read the catalog: {error}"),
    "msg.no_tickets": ("Aucune donnée de tickets.", "No ticket data."),
    "msg.no_flows": (
        "Aucun composant avec une capacité nominale (capacity) ou une sonde de débit.",
        "No component with a nominal capacity (capacity) or a throughput probe.",
    ),
    "msg.loading": ("Chargement…", "Loading…"),
    "msg.filter_placeholder": ("filtrer le tableau (échap pour effacer)", "filter the table (esc to clear)"),
    "msg.sorted_by": ("Tri : {column}{direction}", "Sort: {column}{direction}"),
    "msg.worst_first": ("les pires d'abord", "worst first"),
    "msg.reversed": (" (inversé)", " (reversed)"),
    "msg.interval": ("Rafraîchissement toutes les {seconds}", "Refreshing every {seconds}"),
    "msg.paused": ("Rafraîchissement en pause (p pour reprendre)", "Refresh paused (p to resume)"),
    "msg.resumed": ("Rafraîchissement repris", "Refresh resumed"),
    # alerts
    "alert.down": ("{name} est indisponible : {detail}", "{name} is down: {detail}"),
    "alert.recovered": ("{name} est de nouveau disponible", "{name} is back up"),
    "alert.capacity": (
        "{name} dépasse sa capacité nominale ({ratio})",
        "{name} is over its nominal capacity ({ratio})",
    ),
    # component screen
    "detail.probes": ("Sondes", "Probes"),
    "detail.recent": ("Derniers résultats", "Recent results"),
    "detail.incidents": ("Incidents du mois", "Incidents this month"),
    "detail.latency": ("Latence (ms), 15 dernières minutes", "Latency (ms), last 15 minutes"),
    "detail.maintenance": ("Fenêtres de maintenance", "Maintenance windows"),
    "detail.none": ("aucune", "none"),
    "detail.no_results": ("aucun résultat", "no result"),
    "col.probe": ("Sonde", "Probe"),
    "col.kind": ("Type", "Kind"),
    "col.interval": ("Intervalle", "Interval"),
    "col.role": ("Rôle", "Role"),
    "col.time": ("Heure", "Time"),
    "col.detail": ("Détail", "Detail"),
    "col.start": ("Début", "Start"),
    "col.end": ("Fin", "End"),
    "col.duration": ("Durée", "Duration"),
    "col.cause": ("Cause", "Cause"),
    "col.window": ("Fenêtre", "Window"),
    "col.reason": ("Motif", "Reason"),
    "detail.every_week": (
        "chaque semaine {days} à {at} pendant {duration}",
        "every week {days} at {at} for {duration}",
    ),
    # help
    "help.title": ("Aide — touches", "Help — keys"),
    "help.close": ("échap ou ? pour fermer", "esc or ? to close"),
    "key.quit": ("quitter", "quit"),
    "key.help": ("afficher/masquer l'aide", "show/hide help"),
    "key.filter": ("filtrer le tableau courant", "filter the current table"),
    "key.escape": (
        "effacer le filtre / quitter la saisie / revenir",
        "clear the filter / leave the text field / go back",
    ),
    "key.pause": ("suspendre/reprendre le rafraîchissement", "pause/resume refresh"),
    "key.faster": ("rafraîchir plus souvent", "refresh more often"),
    "key.slower": ("rafraîchir moins souvent", "refresh less often"),
    "key.tabs": ("aller à l'onglet 1 à 6", "go to tab 1 to 6"),
    "key.sort": ("trier par la colonne suivante", "sort by the next column"),
    "key.reverse": ("inverser le tri", "reverse the sort"),
    "key.enter": ("ouvrir le détail de la ligne", "open the row's details"),
    "key.palette": ("palette de commandes", "command palette"),
    "key.refresh_now": ("rafraîchir maintenant", "refresh now"),
    # footer (short)
    "foot.quit": ("quitter", "quit"),
    "foot.help": ("aide", "help"),
    "foot.filter": ("filtrer", "filter"),
    "foot.pause": ("pause", "pause"),
    "foot.sort": ("trier", "sort"),
    "foot.reverse": ("inverser", "reverse"),
    # command palette
    "cmd.component": ("Composant : {name}", "Component: {name}"),
    "cmd.component_help": ("ouvrir la fiche du composant", "open the component's page"),
    "cmd.tab": ("Onglet : {name}", "Tab: {name}"),
    "cmd.tab_help": ("afficher l'onglet", "show the tab"),
    "cmd.report": ("Rapport du mois {month}", "Report for {month}"),
    "cmd.report_help": (
        "disponibilité du mois en cours par composant",
        "this month's availability by component",
    ),
    "cmd.report_file": ("Écrire le rapport HTML du mois {month}", "Write the HTML report for {month}"),
    "cmd.report_file_help": (
        "comme « vigie report monthly », dans {folder}",
        "like 'vigie report monthly', into {folder}",
    ),
    "msg.report_written": ("Rapport écrit : {path}", "Report written: {path}"),
    "cmd.application": ("Application : {name}", "Application: {name}"),
    "cmd.application_help": ("ouvrir la fiche dans la cartographie", "open its page in the map"),
    "cmd.pause": ("Suspendre / reprendre le rafraîchissement", "Pause / resume refresh"),
    "cmd.refresh": ("Rafraîchir maintenant", "Refresh now"),
    "report.title": ("Disponibilité — {month}", "Availability — {month}"),
    "col.downtime": ("Indisponibilité", "Downtime"),
    "col.coverage": ("Couverture", "Coverage"),
    "col.breached": ("Cible tenue", "Target met"),
    "yes": ("oui", "yes"),
    "no": ("non", "no"),
}

LANGUAGES = ("fr", "en")


class Labels:
    """Looks up the console's texts in one language."""

    def __init__(self, language: str = "fr") -> None:
        self.language = language if language in LANGUAGES else "fr"
        self._index = LANGUAGES.index(self.language)

    def __call__(self, key: str, **values: Any) -> str:
        """The text for ``key``, formatted with ``values``."""
        text = TEXTS[key][self._index]
        return text.format(**values) if values else text
