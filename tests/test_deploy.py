"""`vigie deploy`: what it writes is accepted by promtool, the burn-rate alert fires on a scripted
outage (promtool test rules), the quorum keeps a one-site failure from paging, a silent agent
pages as unknown, and the Sloth, Pyrra and Grafana files have the shapes those tools read."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.engines import binary
from vigie.console.cli import main
from vigie.console.deploy import ARTEFACTS
from vigie.console.deploy import yaml as deploy_yaml

CONFIG = """
[vigie]
timezone = "Europe/Paris"
language = "en"

[alerts]
alertmanager = ["http://127.0.0.1:9093", "https://am.example:9443"]

[[agents]]
name = "paris"
port = 9465

[[agents]]
name = "lyon"
address = "lyon.example:9465"
scrape_interval = "15s"

[[components]]
id = "chorus-pro"
name = "Chorus Pro"
target = 99.0

[[components]]
id = "place"
name = "PLACE"
target = 98.0
agents = ["paris"]
policy = { quorum = "any" }

[[probes]]
id = "chorus-http"
component = "chorus-pro"
kind = "http"
url = "http://127.0.0.1:1/health"
interval = "1m"

[[probes]]
id = "place-tcp"
component = "place"
kind = "tcp"
host = "127.0.0.1"
port = 1
interval = "30s"
"""


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("deploy")
    (root / "config.toml").write_text(CONFIG, encoding="utf-8")
    assert main(["--config", str(root / "config.toml"), "deploy", "--out", str(root / "out"), "--json"]) == 0
    return root / "out"


def test_every_artefact_is_written(deployed: Path) -> None:
    written = sorted(str(p.relative_to(deployed)) for p in deployed.rglob("*") if p.is_file())
    assert written == [
        "alertmanager/alertmanager.yml",
        "grafana/vigie.json",
        "prometheus/prometheus.yml",
        "prometheus/rules/vigie.yml",
        "pyrra/chorus-pro.yaml",
        "pyrra/place.yaml",
        "sloth/chorus-pro.yml",
        "sloth/place.yml",
    ]
    assert [m.__name__.rsplit(".", 1)[1] for m in ARTEFACTS] == [
        "prometheus",
        "rules",
        "alertmanager",
        "sloth",
        "pyrra",
        "grafana",
    ]


def test_promtool_accepts_the_configuration_and_the_rules(deployed: Path) -> None:
    promtool = binary("promtool")
    for command in (
        [promtool, "check", "config", str(deployed / "prometheus/prometheus.yml")],
        [promtool, "check", "rules", str(deployed / "prometheus/rules/vigie.yml")],
    ):
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout + done.stderr


def test_amtool_accepts_the_alertmanager_file_and_prometheus_sends_it_the_alerts(deployed: Path) -> None:
    amtool = binary("amtool")
    done = subprocess.run(
        [amtool, "check-config", str(deployed / "alertmanager/alertmanager.yml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    config = yaml.safe_load((deployed / "prometheus/prometheus.yml").read_text(encoding="utf-8"))
    assert config["alerting"]["alertmanagers"] == [
        {"scheme": "http", "static_configs": [{"targets": ["127.0.0.1:9093"]}]},
        {"scheme": "https", "static_configs": [{"targets": ["am.example:9443"]}]},
    ]
    # The rules' outage alert is the one Alertmanager's inhibitions name.
    rules = yaml.safe_load((deployed / "prometheus/rules/vigie.yml").read_text(encoding="utf-8"))
    names = {r.get("alert") for g in rules["groups"] for r in g["rules"]}
    assert "VigieComponentDown" in names


def test_a_scrape_job_per_agent_at_its_interval(deployed: Path) -> None:
    config = yaml.safe_load((deployed / "prometheus/prometheus.yml").read_text(encoding="utf-8"))
    jobs = {j["job_name"]: j for j in config["scrape_configs"]}
    assert jobs["vigie-agent-paris"]["static_configs"][0]["targets"] == ["127.0.0.1:9465"]
    assert jobs["vigie-agent-lyon"]["static_configs"][0]["targets"] == ["lyon.example:9465"]
    # Paris runs a 1-minute and a 30-second probe: scraped every 30 s; Lyon as declared.
    assert jobs["vigie-agent-paris"]["scrape_interval"] == "30s"
    assert jobs["vigie-agent-lyon"]["scrape_interval"] == "15s"
    assert config["global"]["external_labels"]["replica"] == "A"
    assert config["rule_files"] == ["rules/*.yml"]


RULE_TESTS = """
rule_files:
  - {rules}
evaluation_interval: 1m
tests:
  # Both sites see Chorus Pro down from minute 60: the verdict is down, the budget burns.
  - interval: 1m
    input_series:
      - series: 'vigie_probe_success{{component="chorus-pro", probe="chorus-http", agent="paris"}}'
        values: '1x60 0x60'
      - series: 'vigie_probe_success{{component="chorus-pro", probe="chorus-http", agent="lyon"}}'
        values: '1x60 0x60'
      - series: 'vigie_agent_info{{agent="paris", version="0.1.0"}}'
        values: '1x120'
      - series: 'vigie_agent_info{{agent="lyon", version="0.1.0"}}'
        values: '1x120'
    alert_rule_test:
      - eval_time: 50m
        alertname: VigieErrorBudgetBurn
        exp_alerts: []
      - eval_time: 73m
        alertname: VigieErrorBudgetBurn
        exp_alerts:
          - exp_labels:
              severity: page
              component: chorus-pro
            exp_annotations:
              summary: chorus-pro burns its error budget too fast
              description: "Burn rate over the windows 5m/1h above 14.4, 30m/6h above 6. Contractual figures: vigie sla."
      - eval_time: 73m
        alertname: VigieComponentDown
        exp_alerts:
          - exp_labels:
              severity: page
              component: chorus-pro
            exp_annotations:
              summary: chorus-pro is down, seen from a quorum of its agents
  # Lyon alone sees it down (its network): the majority of two sites says up, nothing pages;
  # then Lyon goes silent: it pages as unknown.
  - interval: 1m
    input_series:
      - series: 'vigie_probe_success{{component="chorus-pro", probe="chorus-http", agent="paris"}}'
        values: '1x120'
      - series: 'vigie_probe_success{{component="chorus-pro", probe="chorus-http", agent="lyon"}}'
        values: '1x30 0x30 _x60'
      - series: 'vigie_agent_info{{agent="paris", version="0.1.0"}}'
        values: '1x120'
      - series: 'vigie_agent_info{{agent="lyon", version="0.1.0"}}'
        values: '1x60 _x60'
    promql_expr_test:
      - expr: vigie:component_success{{component="chorus-pro"}}
        eval_time: 45m
        exp_samples:
          - labels: 'vigie:component_success{{component="chorus-pro"}}'
            value: 1
    alert_rule_test:
      - eval_time: 58m
        alertname: VigieComponentDown
        exp_alerts: []
      - eval_time: 58m
        alertname: VigieErrorBudgetBurn
        exp_alerts: []
      - eval_time: 80m
        alertname: VigieAgentAbsent
        exp_alerts:
          - exp_labels:
              severity: page
              state: unknown
              agent: lyon
            exp_annotations:
              summary: "agent lyon sends nothing: its view is unknown, not up"
"""


def test_promtool_test_rules_the_burn_rate_alert_fires_and_the_quorum_holds(
    deployed: Path, tmp_path: Path
) -> None:
    tests = tmp_path / "vigie_test.yml"
    tests.write_text(RULE_TESTS.format(rules=deployed / "prometheus/rules/vigie.yml"), encoding="utf-8")
    done = subprocess.run(
        [binary("promtool"), "test", "rules", str(tests)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_sloth_specs(deployed: Path) -> None:
    spec = _yaml(deployed / "sloth/chorus-pro.yml")
    assert spec["version"] == "prometheus/v1" and spec["service"] == "chorus-pro"
    (slo,) = spec["slos"]
    assert slo["objective"] == 99.0
    assert "{{.window}}" in slo["sli"]["raw"]["error_ratio_query"]
    assert slo["alerting"]["page_alert"]["labels"]["severity"] == "page"
    assert _yaml(deployed / "sloth/place.yml")["slos"][0]["objective"] == 98.0


def test_pyrra_objectives(deployed: Path) -> None:
    objective = _yaml(deployed / "pyrra/place.yaml")
    assert (objective["apiVersion"], objective["kind"]) == ("pyrra.dev/v1alpha1", "ServiceLevelObjective")
    assert objective["spec"]["target"] == "98"
    assert (
        objective["spec"]["indicator"]["bool_gauge"]["metric"] == 'vigie:component_success{component="place"}'
    )


def test_grafana_dashboard_structure(deployed: Path) -> None:
    board = json.loads((deployed / "grafana/vigie.json").read_text(encoding="utf-8"))
    assert board["schemaVersion"] == 39
    (variable,) = board["templating"]["list"]
    assert (variable["type"], variable["query"]) == ("datasource", "prometheus")
    panels = board["panels"]
    assert len({p["id"] for p in panels}) == len(panels)
    assert all(p["gridPos"]["x"] >= 0 and p["gridPos"]["x"] + p["gridPos"]["w"] <= 24 for p in panels)
    kinds = {p["type"] for p in panels}
    assert {"stat", "timeseries", "state-timeline", "row"} <= kinds
    for panel in panels:
        for target in panel.get("targets", []):
            assert target["datasource"]["uid"] == "${datasource}"


@pytest.mark.parametrize(
    "value",
    [
        {"a": "x", "b": [1, 2.5, True, None], "c": {"d": 'quote " and \\ and {{.window}}'}, "e": [], "f": {}},
        [{"job": "x", "static": [{"targets": ["h:1"]}]}],
        {"weird key: yes": "é", "n": -3},
    ],
)
def test_the_yaml_writer_reads_back_as_written(value: Any) -> None:
    assert yaml.safe_load(deploy_yaml.dump(value, "# header")) == value


def test_deploy_into_a_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "config.toml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "taken").write_text("", encoding="utf-8")
    assert main(["--config", str(tmp_path / "config.toml"), "deploy", "--out", str(tmp_path / "taken")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("vigie: error: --out ")
