"""The configuration reference (docs/configuration.md) against the loader, both ways.

The loader reads every key it knows through `Section` readers, which remember each key
asked for (present or not). Loading a config that uses every table and every probe kind
therefore yields the full set of accepted keys per table; the reference's tables must name
exactly that set, so a key added to (or removed from) a loader fails here until documented.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from vigie.console.settings import TOP_LEVEL, load_settings
from vigie.kernel.problems import ConfigError
from vigie.kernel.tomlfile import Document, Section

REFERENCE = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"

# Tables whose keys are the user's own names (header names, GLPI labels and mappings).
FREE_FORM = {
    "probes.headers",
    "tickets.labels",
    "tickets.channels",
    "tickets.applications",
    "alerts.labels",
    "flows.statuses",
}

# One of everything: each top-level table (an agent among them), each probe kind, both counter sources, both kinds
# of maintenance window, component sub-tables, the GLPI sub-table.
EVERYTHING = """
[vigie]
timezone = "Europe/Paris"
[store]
path = "vigie.db"
[exporter]
port = 0
[scheduler]
[alerts]
[alerts.labels]
site = "paris"
[catalog]
[reports]
[policy]
[tickets]
[tickets.labels]
"N°" = "id"
[tickets.glpi]
url = "https://glpi.example/apirest.php"
user_token = "${GLPI_USER_TOKEN}"
[tickets.open]
[[tickets.open.places]]
for = "c"
[status]
[[status.components]]
id = "c"
[measurements]

[[agents]]
name = "paris"

[[components]]
id = "c"
target = 99
capacity = { value = 10, per = "day" }
policy = { confirm_after = 2 }

[[probes]]
id = "http"
component = "c"
kind = "http"
url = "http://127.0.0.1:1/"
headers = { Authorization = "${TOKEN}" }
[[probes]]
id = "tcp"
component = "c"
kind = "tcp"
host = "127.0.0.1"
port = 1
[[probes]]
id = "dns"
component = "c"
kind = "dns"
name = "localhost"
[[probes]]
id = "host"
component = "c"
kind = "host"
cpu_max = 90
[[probes]]
id = "fileflow"
component = "c"
kind = "fileflow"
path = "/tmp"
[[probes]]
id = "counter-json"
component = "c"
kind = "counter"
url = "http://127.0.0.1:1/"
json_path = "$.total"
[[probes]]
id = "counter-prom"
component = "c"
kind = "counter"
source = "prometheus"
url = "http://127.0.0.1:1/"
query = "up"
[[probes]]
id = "heartbeat"
component = "c"
kind = "heartbeat"
token = "${HEARTBEAT_TOKEN}"

[[maintenance]]
id = "once"
component = "c"
start = 2017-12-24T02:00:00
end = 2017-12-24T04:00:00
[[maintenance]]
id = "weekly"
components = ["c"]
every = "week"
day = "sun"
at = "02:00"
duration = "2h"
public = true

[flow_tracking]
path = "flows.db"
token = "${VIGIE_EVENTS_TOKEN}"
[[flows]]
type = "one-deadline"
path = ["a", "b", "c"]
deadline = "1h"
[[flows]]
type = "deadlines"
path = ["a", "b"]
deadlines = ["30m"]
statuses = { AP = "accepted" }
"""


def _table_name(path: tuple[str | int, ...]) -> str:
    return ".".join(str(part) for part in path if not isinstance(part, int))


def accepted_keys(tmp_path: Path) -> dict[str, set[str]]:
    """Every key the loader reads, per table (array indexes dropped)."""
    sections: list[Section] = []
    original = Section.__init__

    def remember(self: Section, doc: Document, path: tuple[str | int, ...], data: object) -> None:
        original(self, doc, path, data)  # type: ignore[arg-type]
        sections.append(self)

    config = tmp_path / "config.toml"
    config.write_text(EVERYTHING, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Section, "__init__", remember)
        try:
            load_settings(config)
        except ConfigError as exc:
            unknown = [p for p in exc.problems if "unknown key" in p.message]
            assert not unknown, unknown
    keys: dict[str, set[str]] = {}
    for sec in sections:
        name = _table_name(sec.path)
        keys.setdefault(name, set()).update(sec._read)
    for name in [n for n in keys if n in FREE_FORM]:
        del keys[name]
        parent, _, child = name.rpartition(".")
        keys[parent].add(child)
    return keys


_HEADER = re.compile(r"^\[\[?([a-z_.]+)\]\]?\s*([a-z0-9_]*)$")


def documented_keys() -> dict[str, set[str]]:
    """Keys named in the reference's tables: rows whose first cell starts with `[table] key`."""
    keys: dict[str, set[str]] = {}
    for line in REFERENCE.read_text(encoding="utf-8").splitlines():
        if not line.startswith("| `["):
            continue
        cell = line.split(" | ")[0]
        spans = re.findall(r"`([^`]+)`", cell)
        match = _HEADER.match(spans[0])
        assert match, f"cannot read the reference row: {line}"
        table, first = match.groups()
        names = keys.setdefault(table, set())
        if first:
            names.add(first)
        names.update(span for span in spans[1:] if re.fullmatch(r"[a-z0-9_]+", span))
    return keys


def test_every_key_the_loader_reads_is_documented(tmp_path: Path) -> None:
    accepted = accepted_keys(tmp_path)
    documented = documented_keys()
    missing = {t: sorted(k - documented.get(t, set())) for t, k in accepted.items()}
    assert {t: k for t, k in missing.items() if k} == {}


def test_every_documented_key_is_read_by_the_loader(tmp_path: Path) -> None:
    accepted = accepted_keys(tmp_path)
    documented = documented_keys()
    extra = {t: sorted(k - accepted.get(t, set())) for t, k in documented.items()}
    assert {t: k for t, k in extra.items() if k} == {}


def test_every_top_level_table_is_documented() -> None:
    documented = {name.split(".")[0] for name in documented_keys()}
    assert documented == set(TOP_LEVEL)
