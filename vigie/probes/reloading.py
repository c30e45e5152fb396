"""Reloading the daemon's configuration without a restart (SIGHUP, `vigie reload`).

The daemon reads config.toml again between two rounds of its scheduler: components and
probes added or removed, new maintenance windows, changed targets, schedules, policies,
capacities and alerting settings take effect at once, the store and its lock, the HTTP
server and the probes that did not change (and what they remember, a counter's last
reading) staying as they are. A broken file is refused with its one-line error and the
running configuration stays. What only a restart can change (the store's path, the
exporter's address) is said and kept as it runs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from vigie.probes.config import ProbesConfig
from vigie.probes.scheduler import StopFlag


@dataclass(frozen=True)
class Changes:
    """What a new configuration changes, by id."""

    added_components: tuple[str, ...]
    removed_components: tuple[str, ...]
    changed_components: tuple[str, ...]
    added_probes: tuple[str, ...]
    removed_probes: tuple[str, ...]
    changed_probes: tuple[str, ...]
    maintenance: bool
    restart_only: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        """The log line's fields."""
        return {
            "components_added": list(self.added_components),
            "components_removed": list(self.removed_components),
            "components_changed": list(self.changed_components),
            "probes_added": list(self.added_probes),
            "probes_removed": list(self.removed_probes),
            "probes_changed": list(self.changed_probes),
            "maintenance_changed": self.maintenance,
            "needs_restart": list(self.restart_only),
        }


def changes(old: ProbesConfig, new: ProbesConfig) -> Changes:
    """What ``new`` changes from ``old``."""
    before = {c.id: c for c in old.components}
    after = {c.id: c for c in new.components}
    probes_before = {p.id: p for p in old.probes}
    probes_after = {p.id: p for p in new.probes}
    restart = []
    if new.store.path != old.store.path:
        restart.append("store.path")
    if new.exporter != old.exporter:
        restart.append("exporter")
    return Changes(
        added_components=tuple(c for c in after if c not in before),
        removed_components=tuple(c for c in before if c not in after),
        changed_components=tuple(c for c in after if c in before and after[c] != before[c]),
        added_probes=tuple(p for p in probes_after if p not in probes_before),
        removed_probes=tuple(p for p in probes_before if p not in probes_after),
        changed_probes=tuple(
            p for p in probes_after if p in probes_before and probes_after[p] != probes_before[p]
        ),
        maintenance=new.maintenance != old.maintenance,
        restart_only=tuple(restart),
    )


def applicable(old: ProbesConfig, new: ProbesConfig) -> ProbesConfig:
    """``new`` with what only a restart changes kept as it runs (the store, the exporter)."""
    return replace(new, store=replace(new.store, path=old.store.path), exporter=old.exporter)


class Either:
    """Set when any of its flags is (the scheduler stops for a stop or a reload)."""

    def __init__(self, *flags: StopFlag) -> None:
        self.flags = flags

    def is_set(self) -> bool:
        """True when one of the flags is set."""
        return any(flag.is_set() for flag in self.flags)
