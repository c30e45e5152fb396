"""config.toml for the new probe kinds, [scheduler] and [alerts]: typed options, located problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from vigie.console.cmd_config import unset_secret_warnings
from vigie.console.settings import load_settings
from vigie.kernel.problems import ConfigError
from vigie.probes.config import CounterOptions, DnsOptions, FileflowOptions, HeartbeatOptions, HostOptions
from vigie.probes.secrets import Secret

BASE = """
[[components]]
id = "edi"
target = 98
"""

GOOD = (
    BASE
    + """
[scheduler]
workers = 4
concurrency = 100
flush_interval = "500ms"

[alerts]
webhook = "https://chat.example/hooks/${VIGIE_TEST_UNSET_HOOK}"
retries = 5
reminder_every = "1h"

[[probes]]
id = "dns"
component = "edi"
kind = "dns"
name = "localhost"
expect_addresses = ["127.0.0.1"]

[[probes]]
id = "host"
component = "edi"
kind = "host"
process = "sftp-server"
disk_max = 90

[[probes]]
id = "drop"
component = "edi"
kind = "fileflow"
path = "/srv/edi/in"
pattern = "*.xml"
backlog_degraded = "15m"
backlog_down = "1h"
role = "throughput"

[[probes]]
id = "api-rate"
component = "edi"
kind = "counter"
source = "prometheus"
url = "http://127.0.0.1:9090"
query = "sum(rate(http_requests_total[5m]))"
mode = "rate"
role = "throughput"

[[probes]]
id = "batch"
component = "edi"
kind = "heartbeat"
token = "${VIGIE_TEST_UNSET_TOKEN}"
interval = "5m"
max_silence = "15m"
"""
)


def test_every_kind_reads_into_its_dataclass(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(GOOD, encoding="utf-8")
    settings = load_settings(path)
    options = {p.id: p.options for p in settings.probes.probes}
    assert options["dns"] == DnsOptions("localhost", "any", ("127.0.0.1",))
    assert options["host"] == HostOptions(process="sftp-server", disk_max=90)
    assert options["drop"] == FileflowOptions("/srv/edi/in", "*.xml", 900, 3600)
    assert isinstance(options["api-rate"], CounterOptions) and options["api-rate"].mode == "rate"
    assert options["batch"] == HeartbeatOptions(Secret("${VIGIE_TEST_UNSET_TOKEN}"), 900)
    assert settings.probes.scheduler.flush_interval == 0.5
    assert settings.probes.alerts.retries == 5 and settings.probes.alerts.reminder_every == 3600
    warnings = unset_secret_warnings(settings)
    assert any("VIGIE_TEST_UNSET_TOKEN" in w for w in warnings)
    assert any("VIGIE_TEST_UNSET_HOOK" in w for w in warnings)


@pytest.mark.parametrize(
    ("table", "key", "message"),
    [
        ('kind = "counter"\nurl = "http://x/"', "probes[1]", "a json counter needs json_path"),
        ('kind = "counter"\nurl = "http://x/"\njson_path = "$..a"', "probes[1].json_path", "not a JSON path"),
        ('kind = "host"', "probes[1]", "needs at least one of process"),
        ('kind = "heartbeat"\ntoken = "short"', "probes[1].token", "does not match"),
        (
            'kind = "fileflow"\npath = "/x"\nbacklog_degraded = "1h"\nbacklog_down = "5m"',
            "probes[1].backlog_down",
            "must not be shorter",
        ),
        ('kind = "dns"\nname = "x"\nfamily = "ipv5"', "probes[1].family", "not one of"),
    ],
)
def test_bad_options_are_located(tmp_path: Path, table: str, key: str, message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(BASE + f'\n[[probes]]\nid = "p"\ncomponent = "edi"\n{table}\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    [problem] = caught.value.problems
    assert problem.key == key and message in problem.message and problem.line is not None


def test_bad_alerts_table_is_located(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(BASE + '\n[alerts]\nwebhook = "ftp://nope"\nflap_changes = 1\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert sorted(p.key for p in caught.value.problems) == ["alerts.flap_changes", "alerts.webhook"]
