"""The catalog's domain model: ministries, applications, interfaces, homologations.

Plain frozen dataclasses; loading and validation live in the loader, graph queries in
the graph module, derived statuses (homologation, decommissioning) in their own modules.
Enum values are the codes written in the CSV/JSON files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class Zone(StrEnum):
    """Zones of the POS ("plan d'occupation des sols") of the State's information systems."""

    METIER = "Métier"
    PILOTAGE = "Pilotage et contrôle"
    RESSOURCES = "Ressources et support"
    DONNEES = "Données transverses"
    ECHANGES = "Échanges"


class Category(StrEnum):
    """The activity report's five categories of applications connected to the SI Chorus."""

    METIER = "métier"
    FINANCIERE = "financière hors Chorus"
    MINISTERES_FINANCIERS = "gestion des ministères financiers"
    REFERENTIELS = "référentiels transverses"
    DECISIONNELLE = "décisionnelle"


class Criticality(StrEnum):
    """Business criticality."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class Phase(StrEnum):
    """Lifecycle phase (an application's or an interface's)."""

    PLAN = "plan"
    PHASE_IN = "phase-in"
    ACTIVE = "active"
    PHASE_OUT = "phase-out"  # "en extinction"
    DECOMMISSIONED = "decommissioned"


class Protocol(StrEnum):
    """How an interface carries its flows."""

    EDI = "edi"  # files exchanged through the exchange system
    API = "api"  # API / web service
    CRE = "cre"  # "compte rendu d'événement" accounting events
    OTHER = "other"


class Direction(StrEnum):
    """Which way data moves between an interface's source and target."""

    OUTBOUND = "source-to-target"
    BIDIRECTIONAL = "bidirectional"


class Decision(StrEnum):
    """The homologation authority's decision."""

    FAVOURABLE = "favourable"
    WITH_RESERVES = "favourable-with-reserves"
    UNFAVOURABLE = "unfavourable"


class DossierProgress(StrEnum):
    """Where a homologation dossier stands before (and at) the decision."""

    STARTED = "started"
    COMMISSION_SCHEDULED = "commission-scheduled"
    DECIDED = "decided"


@dataclass(frozen=True)
class Ministry:
    """A ministry or organisation (``parent`` for directorates and services)."""

    id: str
    name: str
    parent: str | None = None


@dataclass(frozen=True)
class Domain:
    """A functional domain of the POS (e.g. "Finances"), filed under its zone."""

    name: str
    zone: Zone


@dataclass(frozen=True)
class SecurityNeeds:
    """DICT needs, each from 1 (low) to 4 (very high): availability, integrity, confidentiality, traceability."""

    availability: int
    integrity: int
    confidentiality: int
    traceability: int


@dataclass(frozen=True)
class Lifecycle:
    """Phase with its dates; ``decommission_on`` is planned until the phase is decommissioned."""

    phase: Phase
    phase_in_on: date | None = None
    active_on: date | None = None
    phase_out_on: date | None = None
    decommission_on: date | None = None
    replaced_by: str | None = None


@dataclass(frozen=True)
class Application:
    """An application of the map. ``core`` marks the central system's own components."""

    id: str
    name: str
    ministry: str
    domain: str
    zone: Zone
    category: Category
    criticality: Criticality
    lifecycle: Lifecycle
    description: str = ""
    user_ministries: tuple[str, ...] = ()
    security: SecurityNeeds | None = None
    rto_hours: float | None = None
    rpo_hours: float | None = None
    personal_data: bool = False
    core: bool = False
    placeholder: bool = False  # sample data not named in the activity report


@dataclass(frozen=True)
class Interface:
    """A flow between two applications."""

    id: str
    source: str
    target: str
    protocol: Protocol
    direction: Direction = Direction.OUTBOUND
    frequency: str = ""
    monthly_volume: int | None = None
    personal_data: bool = False
    lifecycle: Lifecycle = field(default_factory=lambda: Lifecycle(Phase.ACTIVE))
    description: str = ""
    flows: tuple[str, ...] = ()  # the [[flows]] types it carries (none listed: any type)


@dataclass(frozen=True)
class Reserve:
    """A reserve attached to a favourable-with-reserves decision."""

    text: str
    owner: str
    due_on: date | None
    closed: bool = False


@dataclass(frozen=True)
class Homologation:
    """A security accreditation record.

    ``validity_months`` is 6, 12, 24 or 36; ``until`` is set instead for a homologation
    valid until the end of the application's service. ``expires_on`` is stored when the
    source gives it; derived from the commission date and validity otherwise.
    """

    id: str
    applications: tuple[str, ...]
    authority: str
    progress: DossierProgress
    commission_on: date | None = None
    decision: Decision | None = None
    validity_months: int | None = None
    until: date | None = None
    expires_on: date | None = None
    reserves: tuple[Reserve, ...] = ()
    documents: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProgressContract:
    """A ministry's "contrat de progrès": the applications it commits to switch off, by a date.

    Each application keeps its own planned date in its lifecycle; ``target_on`` is the
    date by which the whole list is due. ``earlier_switched_off`` counts applications the
    contract already switched off before they were kept in the catalog (since 2008).
    """

    id: str
    ministry: str
    applications: tuple[str, ...]
    signed_on: date | None = None
    target_on: date | None = None
    reference: str = ""
    earlier_switched_off: int = 0  # switched off under the contract before the catalog listed them


@dataclass(frozen=True)
class Catalog:
    """Everything the architects keep in the catalog files."""

    ministries: dict[str, Ministry]
    applications: dict[str, Application]
    interfaces: dict[str, Interface]
    homologations: dict[str, Homologation]
    domains: dict[str, Domain] = field(default_factory=dict)
    progress_contracts: dict[str, ProgressContract] = field(default_factory=dict)
