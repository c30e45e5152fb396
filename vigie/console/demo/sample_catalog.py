"""The generator of the bundled sample catalog (``catalog/``, the demo's application map),
modelled on the AIFE 2017 activity report.

Deterministic: ``python -m vigie.console.demo.sample_catalog catalog/`` rewrites the same CSV files.
The SIFE applications follow the report's table of applications by zone and domain; the
applications the report names keep their names and what it says about them; the others are
placeholders (``placeholder`` true, names like "Application Logistique 07"). Dates are set
as the report saw them: homologation statuses and lifecycle phases read as of 31 December 2017.
"""

from __future__ import annotations

import random
import re
import sys
import unicodedata
from dataclasses import dataclass
from datetime import date

from vigie.catalog.loader import write_csv
from vigie.catalog.model import (
    Application,
    Catalog,
    Category,
    Criticality,
    Decision,
    Direction,
    Domain,
    DossierProgress,
    Homologation,
    Interface,
    Lifecycle,
    Ministry,
    Phase,
    ProgressContract,
    Protocol,
    Reserve,
    SecurityNeeds,
    Zone,
)

#: The report's table "Positionnement des applications du SIFE sur le POS" (zone, domain,
#: count). Two counts are lost in the extracted text; the sample uses 2 and 1 (marked).
SIFE_DOMAINS: tuple[tuple[Zone, str, int], ...] = (
    (Zone.METIER, "Accès au droit et à la Justice", 1),
    (Zone.METIER, "Action sociale - santé scolaire", 1),
    (Zone.METIER, "Aides", 2),
    (Zone.METIER, "Aviation civile", 1),
    (Zone.METIER, "Coopération d'influence dans le domaine culturel et technique", 1),
    (Zone.METIER, "Emploi et Formation professionnelle", 1),
    (Zone.METIER, "Enseignement agricole", 3),
    (Zone.METIER, "Enseignement supérieur", 1),
    (Zone.METIER, "Fiscalité", 17),
    (Zone.METIER, "Fiscalité indirecte, dédouanement et gestion des imports/exports", 1),
    (Zone.METIER, "Gestion de la dette et de la Trésorerie de l'État", 2),  # lost in the report
    (Zone.METIER, "Gestion des personnes mises sous main de justice", 3),
    (Zone.METIER, "Gestion du domaine de l'État", 6),
    (Zone.METIER, "Gestion publique", 7),
    (Zone.METIER, "Habitat, urbanisme et paysages", 2),
    (Zone.METIER, "Infrastructure, transports et mer", 1),
    (Zone.METIER, "Logistique", 18),
    (Zone.METIER, "Moyens de paiement", 12),
    (Zone.METIER, "Pêche et Aquaculture", 1),
    (Zone.METIER, "Prestations et équipements", 7),
    (Zone.METIER, "Production de statistiques d'entreprises, démographiques et sociales", 1),  # lost
    (Zone.METIER, "Protection économique et sécurité du consommateur", 1),
    (Zone.METIER, "Relation avec les collectivités territoriales", 1),
    (Zone.METIER, "Santé des forces", 1),
    (Zone.METIER, "Scolarité de l'élève", 1),
    (Zone.METIER, "Secours et gestion des risques", 1),
    (Zone.METIER, "Sécurité intérieure", 6),
    (Zone.METIER, "Sport", 1),
    (Zone.METIER, "Subventions", 3),
    (Zone.METIER, "Vie associative", 1),
    (Zone.PILOTAGE, "Contrôle de gestion", 7),
    (Zone.PILOTAGE, "Élaboration et programmation budgétaire", 5),
    (Zone.PILOTAGE, "Performance et décisionnel", 10),
    (Zone.RESSOURCES, "Achats", 16),
    (Zone.RESSOURCES, "Finances", 48),
    (Zone.RESSOURCES, "Gestion de la documentation et de la connaissance", 9),
    (Zone.RESSOURCES, "Gestion des systèmes d'information et de communication", 5),
    (Zone.RESSOURCES, "Immobilier", 14),
    (Zone.RESSOURCES, "Moyens généraux", 4),
    (Zone.RESSOURCES, "Ressources humaines", 24),
    (Zone.DONNEES, "Nomenclatures budgétaires", 2),
    (Zone.DONNEES, "Référentiels bancaires", 3),
    (Zone.DONNEES, "Structures et organisations", 2),
    (Zone.ECHANGES, "Gestion des canaux d'échange", 1),
)
CENTRAL = "Système central Chorus"
EXTERNAL = "Partenaires externes"
# The invoice flows of the demo's [[flows]] types: EDI invoices enter through SE Chorus Pro,
# invoices keyed in on the portal start at Chorus Pro; both go on to Chorus Cœur.
INVOICE_FLOWS = ("facture-edi", "facture-portail")

MINISTRIES: tuple[tuple[str, str, str | None], ...] = (
    ("pm", "Services du Premier ministre", None),
    ("dila", "Direction de l'information légale et administrative", "pm"),
    ("minefi", "Ministères économiques et financiers", None),
    ("aife", "Agence pour l'informatique financière de l'État", "minefi"),
    ("dgfip", "Direction générale des Finances publiques", "minefi"),
    ("dgddi", "Direction générale des douanes et droits indirects", "minefi"),
    ("db", "Direction du budget", "minefi"),
    ("dgtresor", "Direction générale du Trésor", "minefi"),
    ("insee", "Institut national de la statistique et des études économiques", "minefi"),
    (
        "dgccrf",
        "Direction générale de la concurrence, de la consommation et de la répression des fraudes",
        "minefi",
    ),
    ("armees", "Ministère des Armées", None),
    ("sca", "Service du commissariat des armées", "armees"),
    ("sea", "Service des essences des armées", "armees"),
    ("ssa", "Service de santé des armées", "armees"),
    ("interieur", "Ministère de l'Intérieur", None),
    ("dgpn", "Direction générale de la police nationale", "interieur"),
    ("prefectures", "Préfectures", "interieur"),
    ("justice", "Ministère de la Justice", None),
    ("dap", "Direction de l'administration pénitentiaire", "justice"),
    ("agriculture", "Ministère de l'Agriculture et de l'Alimentation", None),
    ("education", "Ministère de l'Éducation nationale", None),
    ("esri", "Ministère de l'Enseignement supérieur, de la Recherche et de l'Innovation", None),
    ("meae", "Ministère de l'Europe et des Affaires étrangères", None),
    ("ecologie", "Ministère de la Transition écologique et solidaire", None),
    ("dgac", "Direction générale de l'aviation civile", "ecologie"),
    ("territoires", "Ministère de la Cohésion des territoires", None),
    ("travail", "Ministère du Travail", None),
    ("sante", "Ministère des Solidarités et de la Santé", None),
    ("sports", "Ministère des Sports", None),
    ("culture", "Ministère de la Culture", None),
    ("cdc", "Caisse des Dépôts et Consignations", None),
    ("bdf", "Banque de France", None),
    ("bnp", "BNP Paribas", None),
)

#: Owning ministries of the placeholders, by domain (picked in turn).
OWNERS: dict[str, tuple[str, ...]] = {
    "Accès au droit et à la Justice": ("justice",),
    "Action sociale - santé scolaire": ("education",),
    "Aides": ("agriculture", "territoires"),
    "Aviation civile": ("dgac",),
    "Coopération d'influence dans le domaine culturel et technique": ("meae",),
    "Emploi et Formation professionnelle": ("travail",),
    "Enseignement agricole": ("agriculture",),
    "Enseignement supérieur": ("esri",),
    "Fiscalité": ("dgfip",),
    "Fiscalité indirecte, dédouanement et gestion des imports/exports": ("dgddi",),
    "Gestion de la dette et de la Trésorerie de l'État": ("dgtresor",),
    "Gestion des personnes mises sous main de justice": ("dap",),
    "Gestion du domaine de l'État": ("dgfip",),
    "Gestion publique": ("dgfip",),
    "Habitat, urbanisme et paysages": ("territoires",),
    "Infrastructure, transports et mer": ("ecologie",),
    "Logistique": ("armees", "sca", "interieur", "armees"),
    "Moyens de paiement": ("dgfip",),
    "Pêche et Aquaculture": ("agriculture",),
    "Prestations et équipements": ("armees", "sca"),
    "Production de statistiques d'entreprises, démographiques et sociales": ("insee",),
    "Protection économique et sécurité du consommateur": ("dgccrf",),
    "Relation avec les collectivités territoriales": ("prefectures",),
    "Santé des forces": ("ssa",),
    "Scolarité de l'élève": ("education",),
    "Secours et gestion des risques": ("interieur",),
    "Sécurité intérieure": ("dgpn", "interieur"),
    "Sport": ("sports",),
    "Subventions": ("culture", "agriculture", "sante"),
    "Vie associative": ("education",),
    "Contrôle de gestion": ("db", "armees", "interieur", "dgfip"),
    "Élaboration et programmation budgétaire": ("db",),
    "Performance et décisionnel": ("db", "dgfip", "armees", "interieur"),
    "Achats": ("armees", "interieur", "justice", "minefi"),
    "Finances": ("dgfip", "armees", "interieur", "justice", "agriculture", "education", "ecologie"),
    "Gestion de la documentation et de la connaissance": ("dgfip", "minefi", "culture"),
    "Gestion des systèmes d'information et de communication": ("minefi", "interieur"),
    "Immobilier": ("dgfip", "armees", "interieur", "justice"),
    "Moyens généraux": ("minefi", "interieur"),
    "Ressources humaines": ("armees", "interieur", "education", "minefi", "justice"),
    "Nomenclatures budgétaires": ("db",),
    "Référentiels bancaires": ("dgfip",),
    "Structures et organisations": ("db", "insee"),
    "Gestion des canaux d'échange": ("minefi",),
}

#: Short labels for the placeholders' names ("Application Logistique 07").
SHORT: dict[str, str] = {
    "Accès au droit et à la Justice": "Justice",
    "Action sociale - santé scolaire": "Santé scolaire",
    "Coopération d'influence dans le domaine culturel et technique": "Coopération",
    "Emploi et Formation professionnelle": "Emploi",
    "Fiscalité indirecte, dédouanement et gestion des imports/exports": "Douane",
    "Gestion de la dette et de la Trésorerie de l'État": "Trésorerie",
    "Gestion des personnes mises sous main de justice": "Pénitentiaire",
    "Gestion du domaine de l'État": "Domaine",
    "Habitat, urbanisme et paysages": "Urbanisme",
    "Infrastructure, transports et mer": "Transports",
    "Prestations et équipements": "Équipements",
    "Production de statistiques d'entreprises, démographiques et sociales": "Statistiques",
    "Protection économique et sécurité du consommateur": "Consommation",
    "Relation avec les collectivités territoriales": "Collectivités",
    "Secours et gestion des risques": "Secours",
    "Élaboration et programmation budgétaire": "Budget",
    "Performance et décisionnel": "Décisionnel",
    "Gestion de la documentation et de la connaissance": "Documentation",
    "Gestion des systèmes d'information et de communication": "SIC",
    "Ressources humaines": "RH",
    "Nomenclatures budgétaires": "Nomenclatures",
    "Référentiels bancaires": "Banque",
    "Structures et organisations": "Structures",
    "Gestion des canaux d'échange": "Échanges",
}


@dataclass(frozen=True)
class _Named:
    """An application the report names, with what it says about it."""

    id: str
    name: str
    domain: str
    ministry: str
    category: Category
    description: str
    lifecycle: Lifecycle
    criticality: Criticality = Criticality.HIGH
    personal_data: bool = False


NAMED: tuple[_Named, ...] = (
    _Named(
        "pleiade",
        "PLEIADE",
        "Ressources humaines",
        "dila",
        Category.FINANCIERE,
        "Paie des agents de la DILA, raccordée à Chorus en 2017",
        Lifecycle(Phase.ACTIVE, phase_in_on=date(2017, 3, 1), active_on=date(2017, 6, 1)),
        personal_data=True,
    ),
    _Named(
        "oracle-dila",
        "ORACLE (DILA)",
        "Finances",
        "dila",
        Category.FINANCIERE,
        "Recettes non fiscales de la DILA, raccordée à Chorus en 2017",
        Lifecycle(Phase.ACTIVE, phase_in_on=date(2017, 3, 1), active_on=date(2017, 9, 1)),
    ),
    _Named(
        "ares",
        "ARES",
        "Logistique",
        "sca",
        Category.METIER,
        "SI logistique du Service du commissariat des armées, raccordé à Chorus en 2017",
        Lifecycle(Phase.ACTIVE, phase_in_on=date(2017, 1, 15), active_on=date(2017, 7, 1)),
    ),
    _Named(
        "agfa",
        "AGFA",
        "Logistique",
        "sea",
        Category.METIER,
        "Factures dématérialisées des fournisseurs de produits pétroliers (Service des essences des armées)",
        Lifecycle(Phase.ACTIVE, active_on=date(2017, 5, 2)),
    ),
    _Named(
        "cristal",
        "CRISTAL",
        "Finances",
        "armees",
        Category.FINANCIERE,
        "Dépenses payées en régie du ministère des Armées",
        Lifecycle(Phase.ACTIVE, active_on=date(2017, 10, 2)),
    ),
    _Named(
        "gibus",
        "GIBUS",
        "Achats",
        "dgpn",
        Category.METIER,
        "Application ministérielle de l'Intérieur (Police nationale), mise en extinction au profit de Chorus Formulaires",
        Lifecycle(
            Phase.PHASE_OUT,
            active_on=date(2009, 1, 5),
            phase_out_on=date(2017, 4, 1),
            decommission_on=date(2018, 12, 31),
            replaced_by="chorus-formulaires",
        ),
        criticality=Criticality.MEDIUM,
    ),
    _Named(
        "nemo-com",
        "NEMO-COM",
        "Achats",
        "prefectures",
        Category.METIER,
        "Application ministérielle de l'Intérieur (préfectures), mise en extinction au profit de Chorus Formulaires",
        Lifecycle(
            Phase.PHASE_OUT,
            active_on=date(2010, 9, 1),
            phase_out_on=date(2017, 6, 1),
            decommission_on=date(2018, 6, 30),
            replaced_by="chorus-formulaires",
        ),
        criticality=Criticality.MEDIUM,
    ),
    _Named(
        "saturne",
        "SATURNE",
        "Finances",
        "cdc",
        Category.FINANCIERE,
        "Caisse des Dépôts et Consignations ; transmet désormais ses écritures en mode CRE",
        Lifecycle(Phase.ACTIVE, active_on=date(2012, 1, 2)),
    ),
    _Named(
        "farandole",
        "FARANDOLE",
        "Nomenclatures budgétaires",
        "db",
        Category.REFERENTIELS,
        "Référentiel transverse de la direction du budget (nomenclature budgétaire de l'État)",
        Lifecycle(Phase.ACTIVE, active_on=date(2011, 1, 3)),
        criticality=Criticality.CRITICAL,
    ),
    _Named(
        "atlas",
        "ATLAS",
        "Gestion de la documentation et de la connaissance",
        "dgfip",
        Category.MINISTERES_FINANCIERS,
        "Silo de stockage de la DGFiP hébergeant tous les documents du SI Chorus",
        Lifecycle(Phase.ACTIVE, active_on=date(2013, 4, 2)),
        criticality=Criticality.CRITICAL,
    ),
    _Named(
        "diapason",
        "Diapason",
        "Gestion de la documentation et de la connaissance",
        "aife",
        Category.MINISTERES_FINANCIERS,
        "Portail intranet et extranet de l'AIFE (191 000 visites en 2017)",
        Lifecycle(Phase.ACTIVE, active_on=date(2010, 3, 1)),
        criticality=Criticality.MEDIUM,
    ),
    _Named(
        "sirene",
        "SIRENE (INSEE)",
        EXTERNAL,
        "insee",
        Category.REFERENTIELS,
        "Référentiel des entreprises de l'INSEE ; synchronisation des tiers entreprises à l'étude",
        Lifecycle(Phase.PLAN),
        criticality=Criticality.HIGH,
    ),
    _Named(
        "banque-de-france",
        "Banque de France",
        EXTERNAL,
        "bdf",
        Category.FINANCIERE,
        "Virements en devises étrangères depuis Chorus ; dématérialisation à l'étude",
        Lifecycle(Phase.PLAN),
    ),
    _Named(
        "bnp-carte-achat",
        "BNP Paribas — carte achat",
        EXTERNAL,
        "bnp",
        Category.FINANCIERE,
        "Relevés de la carte achat (+60 % de volume d'échanges en 2017)",
        Lifecycle(Phase.ACTIVE, active_on=date(2012, 6, 1)),
    ),
)

#: The central system: the nine probed components (ids as in config.toml) and SE Chorus Pro.
CORE: tuple[tuple[str, str, Zone, str], ...] = (
    ("chorus-coeur", "Chorus Cœur", Zone.RESSOURCES, "Cœur financier et comptable de l'État"),
    ("infocentre", "Infocentre", Zone.PILOTAGE, "Restitutions décisionnelles (BO)"),
    ("chorus-formulaires", "Chorus Formulaires", Zone.RESSOURCES, "Demandes d'achat et services faits"),
    (
        "systeme-echanges",
        "Système d'échanges",
        Zone.ECHANGES,
        "SE Chorus : flux fichiers/EDI et services web avec une centaine d'applications partenaires",
    ),
    ("chorus-dt", "Chorus DT", Zone.RESSOURCES, "Déplacements temporaires"),
    ("chorus-portail-pro", "Chorus Portail Pro", Zone.ECHANGES, "Portail des fournisseurs (historique)"),
    ("chorus-pro", "Chorus Pro", Zone.ECHANGES, "Facturation électronique : portail, EDI et API (24/7)"),
    ("place", "PLACE", Zone.RESSOURCES, "Plate-forme des achats de l'État"),
    ("orme", "ORME", Zone.PILOTAGE, "Outil de recensement des marchés de l'État"),
)


def slug(text: str) -> str:
    """``"Sécurité intérieure"`` -> ``"securite-interieure"``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _category(zone: Zone, domain: str) -> Category:
    if zone is Zone.PILOTAGE:
        return Category.DECISIONNELLE
    if zone is Zone.DONNEES:
        return Category.REFERENTIELS
    if domain == "Finances":
        return Category.FINANCIERE
    if domain in (
        "Fiscalité",
        "Gestion publique",
        "Moyens de paiement",
        "Gestion du domaine de l'État",
        "Gestion de la dette et de la Trésorerie de l'État",
    ):
        return Category.MINISTERES_FINANCIERS
    return Category.METIER


def _core_apps() -> list[Application]:
    apps: list[Application] = []
    for ident, name, zone, description in CORE:
        lifecycle = Lifecycle(Phase.ACTIVE, active_on=date(2012, 1, 2))
        if ident == "chorus-dt":
            # Homologated "until the end of its service", planned for the end of 2019.
            lifecycle = Lifecycle(
                Phase.ACTIVE, active_on=date(2012, 1, 2), decommission_on=date(2019, 12, 31)
            )
        elif ident == "chorus-portail-pro":
            lifecycle = Lifecycle(
                Phase.PHASE_OUT,
                active_on=date(2012, 1, 2),
                phase_out_on=date(2017, 1, 1),
                decommission_on=date(2019, 12, 31),
                replaced_by="chorus-pro",
            )
        elif ident == "chorus-pro":
            lifecycle = Lifecycle(Phase.ACTIVE, phase_in_on=date(2016, 9, 1), active_on=date(2017, 1, 1))
        apps.append(
            Application(
                id=ident,
                name=name,
                ministry="aife",
                domain=CENTRAL,
                zone=zone,
                category=Category.FINANCIERE if ident != "infocentre" else Category.DECISIONNELLE,
                criticality=Criticality.CRITICAL,
                lifecycle=lifecycle,
                description=description,
                user_ministries=("minefi", "armees", "interieur", "justice", "education"),
                security=SecurityNeeds(3, 4, 3, 4),
                rto_hours=4,
                rpo_hours=1,
                personal_data=ident in ("chorus-coeur", "chorus-dt", "chorus-pro"),
                core=True,
            )
        )
    apps.append(
        Application(
            id="se-chorus-pro",
            name="SE Chorus Pro",
            ministry="aife",
            domain=CENTRAL,
            zone=Zone.ECHANGES,
            category=Category.FINANCIERE,
            criticality=Criticality.CRITICAL,
            lifecycle=Lifecycle(Phase.ACTIVE, active_on=date(2017, 1, 1)),
            description="Second système d'échanges : flux EDI et API de Chorus Pro (24/7)",
            security=SecurityNeeds(4, 4, 3, 4),
            rto_hours=2,
            rpo_hours=0.5,
        )
    )
    return apps


def _named_app(named: _Named, zone: Zone, rng: random.Random) -> Application:
    return Application(
        id=named.id,
        name=named.name,
        ministry=named.ministry,
        domain=named.domain,
        zone=zone,
        category=named.category,
        criticality=named.criticality,
        lifecycle=named.lifecycle,
        description=named.description,
        security=SecurityNeeds(*(rng.randint(2, 4) for _ in range(4))),
        rto_hours=rng.choice((8, 24, 48)),
        rpo_hours=rng.choice((4, 24)),
        personal_data=named.personal_data,
    )


def _placeholder_lifecycle(rng: random.Random, land_maintenance: bool) -> Lifecycle:
    active_on = date(rng.randint(2004, 2016), rng.randint(1, 12), 1)
    roll = rng.random()
    if roll < 0.04:
        return Lifecycle(
            Phase.DECOMMISSIONED,
            active_on=active_on,
            phase_out_on=date(2016, rng.randint(1, 12), 1),
            decommission_on=date(2017, rng.randint(1, 12), rng.randint(1, 28)),
            replaced_by="chorus-coeur",
        )
    if roll < 0.10 or land_maintenance:
        return Lifecycle(
            Phase.PHASE_OUT,
            active_on=active_on,
            phase_out_on=date(2017, rng.randint(1, 12), 1),
            decommission_on=date(rng.randint(2018, 2020), rng.randint(1, 12), 1),
            replaced_by="chorus-coeur",
        )
    if roll < 0.13:
        return Lifecycle(Phase.PHASE_IN, phase_in_on=date(2017, rng.randint(1, 12), 1))
    return Lifecycle(Phase.ACTIVE, active_on=active_on)


def _sife_apps(rng: random.Random) -> list[Application]:
    named_by_domain: dict[str, list[_Named]] = {}
    for named in NAMED:
        named_by_domain.setdefault(named.domain, []).append(named)
    criticalities = (
        Criticality.LOW,
        Criticality.MEDIUM,
        Criticality.MEDIUM,
        Criticality.HIGH,
        Criticality.HIGH,
    )
    apps: list[Application] = []
    for zone, domain, count in SIFE_DOMAINS:
        named_here = named_by_domain.get(domain, [])
        apps.extend(_named_app(n, zone, rng) for n in named_here)
        owners = OWNERS[domain]
        label = SHORT.get(domain, domain)
        for number in range(1, count - len(named_here) + 1):
            owner = owners[(number - 1) % len(owners)]
            # Armed Forces' land-equipment maintenance applications go as Chorus CAN models go live.
            land = domain == "Logistique" and owner == "armees" and number <= 5
            description = (
                "Maintien en condition opérationnelle du domaine terrestre (extinction avec Chorus CAN)"
                if land
                else f"Application du domaine « {domain} » (exemple)"
            )
            apps.append(
                Application(
                    id=f"{slug(label)}-{number:02d}",
                    name=f"Application {label} {number:02d}",
                    ministry=owner,
                    domain=domain,
                    zone=zone,
                    category=_category(zone, domain),
                    criticality=rng.choice(criticalities),
                    lifecycle=_placeholder_lifecycle(rng, land),
                    description=description,
                    security=SecurityNeeds(*(rng.randint(1, 4) for _ in range(4))),
                    rto_hours=rng.choice((4, 8, 24, 48, 72)),
                    rpo_hours=rng.choice((1, 4, 24)),
                    personal_data=domain in ("Ressources humaines", "Fiscalité", "Sécurité intérieure")
                    or rng.random() < 0.15,
                    placeholder=True,
                )
            )
    apps.extend(_named_app(n, Zone.ECHANGES, rng) for n in named_by_domain[EXTERNAL])
    return apps


def _interfaces(apps: dict[str, Application], rng: random.Random) -> list[Interface]:
    """About a hundred SE Chorus interfaces, the central system's own flows, a few local ones."""
    out: list[Interface] = []
    se = "systeme-echanges"

    def add(
        source: str,
        target: str,
        protocol: Protocol,
        volume: int | None,
        description: str = "",
        direction: Direction = Direction.OUTBOUND,
        frequency: str = "daily",
        personal: bool = False,
        flows: tuple[str, ...] = (),
    ) -> None:
        ends = (apps[source].lifecycle.phase, apps[target].lifecycle.phase)
        life = Lifecycle(Phase.ACTIVE)
        if Phase.DECOMMISSIONED in ends:
            gone = apps[source] if ends[0] is Phase.DECOMMISSIONED else apps[target]
            life = Lifecycle(Phase.DECOMMISSIONED, decommission_on=gone.lifecycle.decommission_on)
        elif Phase.PLAN in ends:
            life = Lifecycle(Phase.PLAN)
        elif Phase.PHASE_OUT in ends:
            life = Lifecycle(Phase.PHASE_OUT, phase_out_on=date(2017, 6, 1))
        elif Phase.PHASE_IN in ends:
            life = Lifecycle(Phase.PHASE_IN)
        phase = life.phase
        out.append(
            Interface(
                id=f"if-{len(out) + 1:03d}",
                source=source,
                target=target,
                protocol=protocol,
                direction=direction,
                frequency=frequency,
                monthly_volume=volume if phase in (Phase.ACTIVE, Phase.PHASE_OUT, Phase.PHASE_IN) else None,
                personal_data=personal,
                lifecycle=life,
                description=description,
                flows=flows,
            )
        )

    # The central system's own exchanges through SE Chorus (2017 growth in the report).
    add(
        "chorus-pro",
        se,
        Protocol.EDI,
        8200,
        "Factures reçues sur Chorus Pro vers Chorus (+80 %)",
        personal=True,
        flows=INVOICE_FLOWS,
    )
    add(
        se,
        "chorus-coeur",
        Protocol.EDI,
        None,
        "Acheminement des flux partenaires vers le cœur",
        Direction.BIDIRECTIONAL,
        flows=INVOICE_FLOWS,
    )
    add("chorus-dt", se, Protocol.EDI, 1600, "Frais de déplacement (+30 %)", personal=True)
    add("place", se, Protocol.EDI, 1300, "Marchés publiés et attribués (+35 %)")
    add(
        "chorus-formulaires",
        "chorus-coeur",
        Protocol.API,
        None,
        "Demandes d'achat et services faits",
        Direction.BIDIRECTIONAL,
        "continuous",
    )
    add(
        "chorus-coeur",
        "infocentre",
        Protocol.OTHER,
        None,
        "Chargement nocturne de l'infocentre",
        frequency="nightly",
    )
    add("chorus-portail-pro", "chorus-pro", Protocol.OTHER, None, "Reprise des comptes fournisseurs")
    add("orme", se, Protocol.EDI, 120, "Recensement des marchés", frequency="monthly")
    add(
        "chorus-pro",
        "se-chorus-pro",
        Protocol.API,
        None,
        "Flux EDI et API de Chorus Pro",
        Direction.BIDIRECTIONAL,
        "continuous",
        flows=("facture-edi",),
    )
    add("agfa", "se-chorus-pro", Protocol.EDI, 900, "Factures des fournisseurs de produits pétroliers")
    add(se, "atlas", Protocol.EDI, 5200, "Archivage des pièces du SI Chorus (+70 %)", frequency="hourly")
    add("bnp-carte-achat", se, Protocol.EDI, 2300, "Relevés de la carte achat (+60 %)")
    add("saturne", se, Protocol.CRE, 650, "Écritures en mode CRE (compte rendu d'événement)")
    add("farandole", se, Protocol.EDI, 60, "Nomenclature budgétaire de l'État", frequency="weekly")
    add("pleiade", se, Protocol.CRE, 420, "Paie des agents de la DILA", personal=True)
    add("oracle-dila", se, Protocol.CRE, 380, "Recettes non fiscales de la DILA")
    add("ares", se, Protocol.EDI, 520, "Engagements et services faits logistiques")
    add("cristal", se, Protocol.EDI, 310, "Dépenses payées en régie")
    add("gibus", se, Protocol.EDI, 240, "Demandes d'achat (extinction)")
    add("nemo-com", se, Protocol.EDI, 190, "Demandes d'achat (extinction)")
    add("sirene", se, Protocol.API, None, "Tiers entreprises (à l'étude)", Direction.BIDIRECTIONAL)
    add(se, "banque-de-france", Protocol.EDI, None, "Virements en devises étrangères (à l'étude)")

    # The other partner applications of SE Chorus: about a hundred interfaces in all.
    named = {n.id for n in NAMED}
    partners = [
        a
        for a in apps.values()
        if a.placeholder
        and a.domain
        in (
            "Finances",
            "Achats",
            "Fiscalité",
            "Moyens de paiement",
            "Gestion publique",
            "Immobilier",
            "Ressources humaines",
            "Logistique",
            "Gestion du domaine de l'État",
            "Élaboration et programmation budgétaire",
            "Référentiels bancaires",
            "Structures et organisations",
            "Subventions",
            "Gestion de la dette et de la Trésorerie de l'État",
            "Prestations et équipements",
        )
        and a.id not in named
    ]
    rng.shuffle(partners)
    partners = partners[:80]
    partners.sort(key=lambda a: a.id)
    for app in partners:
        protocol = rng.choices((Protocol.EDI, Protocol.CRE, Protocol.API), (0.6, 0.25, 0.15))[0]
        volume = max(20, int(rng.lognormvariate(5.3, 0.7)))
        if app.zone is Zone.DONNEES:
            add(app.id, se, Protocol.EDI, volume, "Référentiel diffusé au SI Chorus", frequency="weekly")
        elif rng.random() < 0.15:
            add(se, app.id, protocol, volume, "Restitutions du SI Chorus vers l'application")
        elif rng.random() < 0.1:
            add(app.id, se, protocol, volume, "Échanges avec le SI Chorus", Direction.BIDIRECTIONAL)
        else:
            what = "Écritures comptables" if protocol is Protocol.CRE else "Flux de gestion vers Chorus"
            add(app.id, se, protocol, volume, what, personal=app.domain == "Ressources humaines")

    # A few exchanges inside ministries, outside the central system.
    local = sorted((a for a in apps.values() if a.placeholder), key=lambda a: a.id)
    by_ministry: dict[str, list[Application]] = {}
    for app in local:
        by_ministry.setdefault(app.ministry, []).append(app)
    for ministry in sorted(by_ministry):
        group = by_ministry[ministry]
        for _ in range(min(4, len(group) // 3)):
            source, target = rng.sample(group, 2)
            add(
                source.id,
                target.id,
                Protocol.OTHER,
                rng.choice((None, 30, 120)),
                "Échange ministériel",
                frequency="daily",
            )
    return out


def _homologations() -> list[Homologation]:
    cos = "COS SIFE"
    docs = ("analyse-de-risques.pdf", "dossier-homologation.pdf")
    return [
        Homologation(
            "hom-2017-chorus-coeur",
            ("chorus-coeur",),
            cos,
            DossierProgress.DECIDED,
            date(2017, 3, 21),
            Decision.FAVOURABLE,
            24,
            documents=docs,
        ),
        Homologation(
            "hom-2015-infocentre",
            ("infocentre",),
            cos,
            DossierProgress.DECIDED,
            date(2015, 9, 29),
            Decision.FAVOURABLE,
            24,
            documents=docs,
        ),
        Homologation(
            "hom-2017-chorus-formulaires",
            ("chorus-formulaires",),
            cos,
            DossierProgress.DECIDED,
            date(2017, 2, 14),
            Decision.FAVOURABLE,
            12,
            documents=docs,
        ),
        Homologation(
            "hom-2016-echanges",
            ("systeme-echanges", "se-chorus-pro"),
            cos,
            DossierProgress.DECIDED,
            date(2016, 6, 28),
            Decision.WITH_RESERVES,
            24,
            reserves=(
                Reserve(
                    "Chiffrer les flux sortants vers les partenaires",
                    "AIFE / département technique",
                    date(2017, 9, 30),
                ),
                Reserve("Tester le plan de reprise d'activité", "AIFE / exploitation", date(2018, 3, 31)),
                Reserve(
                    "Journaliser les accès d'administration",
                    "AIFE / exploitation",
                    date(2017, 3, 31),
                    closed=True,
                ),
            ),
            documents=docs,
        ),
        # Homologated in 2017 until the end of its service (planned end 2019).
        Homologation(
            "hom-2017-chorus-dt",
            ("chorus-dt",),
            cos,
            DossierProgress.DECIDED,
            date(2017, 6, 20),
            Decision.FAVOURABLE,
            until=date(2019, 12, 31),
            documents=docs,
        ),
        Homologation(
            "hom-2017-diapason",
            ("diapason",),
            cos,
            DossierProgress.DECIDED,
            date(2017, 10, 10),
            Decision.FAVOURABLE,
            36,
            documents=docs,
        ),
        Homologation(
            "hom-2016-chorus-pro",
            ("chorus-pro",),
            cos,
            DossierProgress.DECIDED,
            date(2016, 12, 13),
            Decision.WITH_RESERVES,
            36,
            reserves=(
                Reserve("Audit de code des API", "AIFE / Chorus Pro", date(2017, 6, 30), closed=True),
                Reserve(
                    "Renforcer l'authentification des comptes fournisseurs",
                    "AIFE / Chorus Pro",
                    date(2018, 6, 30),
                ),
            ),
            documents=docs,
        ),
        Homologation(
            "hom-2014-chorus-portail-pro",
            ("chorus-portail-pro",),
            cos,
            DossierProgress.DECIDED,
            date(2014, 11, 18),
            Decision.FAVOURABLE,
            36,
            documents=docs,
        ),
        Homologation(
            "hom-2017-place",
            ("place",),
            cos,
            DossierProgress.DECIDED,
            date(2017, 7, 4),
            Decision.FAVOURABLE,
            6,
            documents=docs,
        ),
        Homologation(
            "hom-2018-orme", ("orme",), cos, DossierProgress.COMMISSION_SCHEDULED, date(2018, 1, 23)
        ),
        Homologation(
            "hom-2018-pleiade",
            ("pleiade",),
            "AQSSI des services du Premier ministre",
            DossierProgress.STARTED,
        ),
        Homologation(
            "hom-2017-cristal",
            ("cristal",),
            "AQSSI du ministère des Armées",
            DossierProgress.DECIDED,
            date(2017, 11, 7),
            Decision.UNFAVOURABLE,
            documents=docs,
        ),
        Homologation(
            "hom-2017-ares",
            ("ares",),
            "AQSSI du ministère des Armées",
            DossierProgress.DECIDED,
            date(2017, 4, 11),
            Decision.FAVOURABLE,
            12,
            expires_on=date(2018, 4, 30),
            documents=docs,
        ),
        Homologation(
            "hom-2016-atlas",
            ("atlas",),
            "AQSSI de la DGFiP",
            DossierProgress.DECIDED,
            date(2016, 1, 12),
            Decision.WITH_RESERVES,
            24,
            reserves=(Reserve("Chiffrer les documents au repos", "DGFiP / bureau SI", date(2017, 6, 30)),),
            documents=docs,
        ),
        Homologation(
            "hom-2017-saturne",
            ("saturne",),
            "AQSSI de la Caisse des Dépôts",
            DossierProgress.DECIDED,
            date(2017, 5, 16),
            Decision.FAVOURABLE,
            36,
        ),
    ]


def _progress_contracts(apps: dict[str, Application]) -> list[ProgressContract]:
    """One contract per ministry with applications to switch off (the first ones signed in 2008).

    The report's count of ministerial applications switched off by end 2017 is lost in the
    extracted text: ``earlier_switched_off`` (switched off before the catalog listed them)
    holds made-up placeholder figures.
    """
    parents = {i: parent for i, _name, parent in MINISTRIES}

    def root(ministry: str) -> str:
        parent = parents.get(ministry)
        return ministry if parent is None else root(parent)

    retiring: dict[str, list[str]] = {}
    for app in apps.values():
        life = app.lifecycle
        if life.phase in (Phase.PHASE_OUT, Phase.DECOMMISSIONED) and not app.core:
            retiring.setdefault(root(app.ministry), []).append(app.id)
    terms = {
        # ministry: (signed or last revised, target date, reference, switched off before)
        "minefi": (date(2017, 9, 20), date(2020, 12, 31), "CP-MEF-2008 révisé 2017", 38),
        "armees": (date(2017, 6, 15), date(2019, 12, 31), "CP-ARM-2008 révisé 2017", 31),
        "justice": (date(2017, 5, 10), date(2019, 12, 31), "CP-JUS-2009 révisé 2017", 9),
        "interieur": (date(2016, 3, 1), date(2018, 12, 31), "CP-INT-2009 révisé 2016", 22),
        "education": (date(2012, 2, 1), date(2017, 12, 31), "CP-MEN-2010 révisé 2012", 11),
        "ecologie": (date(2015, 1, 15), date(2020, 12, 31), "CP-ECO-2008 révisé 2015", 14),
    }
    return [
        ProgressContract(
            f"cp-{ministry}",
            ministry,
            tuple(sorted(retiring[ministry])),
            signed_on=signed,
            target_on=target,
            reference=reference,
            earlier_switched_off=earlier,
        )
        for ministry, (signed, target, reference, earlier) in terms.items()
        if ministry in retiring
    ]


def build_sample() -> Catalog:
    """The sample catalog (same result on every call)."""
    rng = random.Random(2017)
    ministries = {i: Ministry(i, name, parent) for i, name, parent in MINISTRIES}
    domains = {d: Domain(d, z) for z, d, _ in SIFE_DOMAINS}
    domains[CENTRAL] = Domain(CENTRAL, Zone.RESSOURCES)
    domains[EXTERNAL] = Domain(EXTERNAL, Zone.ECHANGES)
    apps = {a.id: a for a in [*_core_apps(), *_sife_apps(rng)]}
    interfaces = {i.id: i for i in _interfaces(apps, rng)}
    homologations = {h.id: h for h in _homologations()}
    contracts = {c.id: c for c in _progress_contracts(apps)}
    return Catalog(ministries, apps, interfaces, homologations, domains, contracts)


def main(argv: list[str]) -> int:
    """``python -m vigie.console.demo.sample_catalog FOLDER``: write the sample's CSV files there."""
    if len(argv) != 1:
        sys.stderr.write("usage: python -m vigie.console.demo.sample_catalog FOLDER\n")
        return 2
    for path in write_csv(build_sample(), argv[0]):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
