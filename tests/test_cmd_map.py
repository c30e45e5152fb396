"""`vigie map ...` end to end on the bundled config and sample catalog; exits and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest

from tests.conftest import BUNDLED_CONFIG, ROOT
from tests.test_catalog_loader import INTERFACES, write_catalog
from vigie.console.cli import main
from vigie.console.demo.sample_catalog import SIFE_DOMAINS

CONFIG = ["--config", str(BUNDLED_CONFIG)]


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> object:
    assert main(["map", *args, *CONFIG, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_stats_by_domain_reproduces_the_report_table(capsys: pytest.CaptureFixture[str]) -> None:
    groups = run_json(capsys, "stats", "--by", "domain")
    assert isinstance(groups, list)
    found = {(g["zone"], g["key"]): g["applications"] for g in groups}
    for zone, domain, count in SIFE_DOMAINS:
        assert found[(zone.value, domain)] == count
    assert main(["map", "stats", *CONFIG]) == 0
    out = capsys.readouterr().out
    assert "Ressources humaines" in out and "Total" in out and "268" in out


@pytest.mark.parametrize("by", ["zone", "ministry", "category", "criticality", "phase", "protocol"])
def test_stats_other_groupings(capsys: pytest.CaptureFixture[str], by: str) -> None:
    groups = run_json(capsys, "stats", "--by", by)
    assert isinstance(groups, list) and groups
    if by != "protocol":
        assert sum(g["applications"] for g in groups) == 268


def test_impact_down_with_depth_and_up(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "impact", "FARANDOLE", "--depth", "1")
    assert isinstance(data, dict)
    assert [r["app"] for r in data["reached"]] == ["systeme-echanges"]
    assert data["reached"][0]["interfaces"] == ["if-014"]
    up = run_json(capsys, "impact", "atlas", "--direction", "up", "--depth", "2")
    assert isinstance(up, dict)
    assert {r["direction"] for r in up["reached"]} == {"up"}
    assert len(up["reached"]) > 50
    assert main(["map", "impact", "saturne", "--direction", "both", *CONFIG]) == 0
    assert "SATURNE (saturne) — impact en amont et en aval" in capsys.readouterr().out


def test_neighbors_and_show(capsys: pytest.CaptureFixture[str]) -> None:
    near = run_json(capsys, "neighbors", "saturne")
    assert isinstance(near, dict)
    assert near["incoming"] == []
    assert near["outgoing"][0]["app"] == "systeme-echanges" and near["outgoing"][0]["protocols"] == ["cre"]
    shown = run_json(capsys, "show", "Chorus DT")
    assert isinstance(shown, dict)
    assert shown["id"] == "chorus-dt" and shown["core"] is True
    assert "hom-2017-chorus-dt" in shown["homologations"]


def test_path_found_and_not_found(capsys: pytest.CaptureFixture[str]) -> None:
    paths = run_json(capsys, "path", "saturne", "infocentre")
    assert isinstance(paths, list)
    assert paths[0]["apps"] == ["saturne", "systeme-echanges", "chorus-coeur", "infocentre"]
    assert main(["map", "path", "ares", "atlas", "--all", "--limit", "2", *CONFIG]) == 0
    assert "ARES --[if-017]--> Système d'échanges --[if-011]--> ATLAS" in capsys.readouterr().out
    assert main(["map", "path", "atlas", "ares", *CONFIG]) == 1
    assert capsys.readouterr().out.startswith("aucun chemin de ATLAS (atlas) vers ARES (ares)")


def test_critical_and_flows(capsys: pytest.CaptureFixture[str]) -> None:
    critical = run_json(capsys, "critical", "--top", "3")
    assert isinstance(critical, list) and len(critical) == 3
    assert critical[0]["app"] == "systeme-echanges" and critical[0]["articulation"] is True
    flows = run_json(capsys, "flows", "--by", "zone")
    assert isinstance(flows, dict)
    assert 30_000 <= flows["total_monthly_volume"] <= 60_000


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "dot", "mermaid", "json", "svg"])
def test_export_to_file(tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    out = tmp_path / f"map.{fmt}"
    assert main(["map", "export", "--format", fmt, "--out", str(out), *CONFIG]) == 0
    text = out.read_text(encoding="utf-8")
    if fmt == "graphml":
        assert nx.read_graphml(out).number_of_nodes() == 268
    elif fmt == "gexf":
        assert nx.read_gexf(out).number_of_nodes() == 268
    elif fmt == "json":
        assert len(json.loads(text)["nodes"]) == 268
    elif fmt == "svg":
        assert ET.fromstring(text).tag.endswith("svg")
    else:
        assert "chorus-coeur" in text or "Chorus Cœur" in text
    assert not list(tmp_path.glob("*.partial"))


def test_export_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["map", "export", "--format", "mermaid", *CONFIG]) == 0
    assert capsys.readouterr().out.startswith("flowchart LR")


def test_unknown_application_is_one_line_with_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["map", "impact", "plieade", *CONFIG]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["vigie: error: unknown application 'plieade' (did you mean 'pleiade', 'place'?)"]


def test_bad_arguments_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["map", "impact", "ares", "--depth", "0", *CONFIG])
    assert caught.value.code == 2
    with pytest.raises(SystemExit) as caught:
        main(["map", "export", "--format", "png", *CONFIG])
    assert caught.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 2


def test_unwritable_export_target_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "missing-folder" / "map.svg"
    assert main(["map", "export", "--format", "svg", "--out", str(out), *CONFIG]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot write" in err[0]


def test_broken_catalog_lists_every_problem_no_traceback(tmp_path: Path, bundled_config_text: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(bundled_config_text, encoding="utf-8")
    links = INTERFACES + "i4,ares,ares,edi,,active\ni5,ares,ghost,edi,,active\n"
    write_catalog(tmp_path / "catalog", interfaces=links)
    done = subprocess.run(
        [sys.executable, "-m", "vigie", "map", "stats", "--config", str(config)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        f"{tmp_path}/catalog/interfaces.csv:5: target: self-loop: the interface goes from 'ares' to itself",
        f"{tmp_path}/catalog/interfaces.csv:6: target: unknown application 'ghost'",
    ]


def test_missing_catalog_setting_or_folder(
    tmp_path: Path, bundled_config_text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(bundled_config_text, encoding="utf-8")
    assert main(["map", "stats", "--config", str(config)]) == 2
    assert capsys.readouterr().err.strip() == f"{tmp_path}/catalog: catalog not found"
    config.write_text(bundled_config_text.replace('path = "catalog"', ""), encoding="utf-8")
    assert main(["map", "stats", "--config", str(config)]) == 2
    assert capsys.readouterr().err.strip() == f"{config}: catalog.path: not set: where is the catalog?"


NNBSP, NBSP = "\u202f", "\u00a0"


def human(capsys: pytest.CaptureFixture[str], config: list[str], *args: str) -> tuple[str, str]:
    """A map command's table and notes, as a person reads them."""
    assert main(["map", *args, *config]) == 0
    out, err = capsys.readouterr()
    return out, err


def test_human_output_is_french_by_default(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, _ = human(capsys, CONFIG, "stats", "--by", "domain")
    for word in ("Domaine", "En service", "En extinction", "Décommissionnées", "Flux/mois"):
        assert word in out
    assert f"1{NNBSP}419" in out  # Fiscalité's flows a month, French thousands
    out, _ = human(capsys, CONFIG, "stats", "--by", "criticality")
    assert "Criticité" in out and "critique" in out and "élevée" in out
    out, _ = human(capsys, CONFIG, "impact", "FARANDOLE", "--depth", "2")
    assert f"FARANDOLE (farandole) — impact en aval, jusqu'à 2 sauts{NBSP}: 19 applications" in out
    assert "Sauts" in out and "Nom" in out
    out, _ = human(capsys, CONFIG, "neighbors", "saturne")
    assert f"SATURNE (saturne){NBSP}: 0 application en amont, 1 application en aval" in out
    assert "En aval (reçoivent ses flux)" in out and "Protocoles" in out
    out, _ = human(capsys, CONFIG, "path", "saturne", "infocentre")
    assert out.startswith(f"3 sauts{NBSP}: SATURNE --[if-013]--> Système d'échanges")
    out, _ = human(capsys, CONFIG, "critical", "--top", "3")
    assert "Point de défaillance unique" in out and "Applications isolées" in out and "0,0293" in out
    out, _ = human(capsys, CONFIG, "flows", "--by", "zone")
    assert "Flux par zone" in out and "De " in out and f"15{NNBSP}485" in out
    out, _ = human(capsys, CONFIG, "show", "gibus")
    for word in ("Rubrique", "Ministère", "Cycle de vie", "en extinction", "décommissionnement 2018-12-31"):
        assert word in out
    assert "Chorus Formulaires (chorus-formulaires)" in out and "métier / moyenne" in out
    _, err = human(capsys, CONFIG, "export", "--format", "dot", "--out", str(tmp_path / "carte.dot"))
    assert err.startswith(f"{tmp_path / 'carte.dot'}{NBSP}: dot, 268 applications, ") and err.endswith(
        " liens\n"
    )
    assert main(["map", "path", "infocentre", "saturne", *CONFIG]) == 1
    assert capsys.readouterr().out.startswith(
        "aucun chemin de Infocentre (infocentre) vers SATURNE (saturne)"
    )


def test_human_output_in_english_on_request(
    tmp_path: Path, bundled_config_text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    text = bundled_config_text.replace('language = "fr"', 'language = "en"')
    config.write_text(text.replace('path = "catalog"', f'path = "{ROOT / "catalog"}"'), encoding="utf-8")
    english = ["--config", str(config)]
    out, _ = human(capsys, english, "stats", "--by", "domain")
    assert "Domain" in out and "Active" in out and "Phase-out" in out and "Flows/month" in out
    assert "1,419" in out
    out, _ = human(capsys, english, "impact", "FARANDOLE", "--depth", "2")
    assert "FARANDOLE (farandole) — impact down, depth 2: 19 applications" in out and "Hops" in out
    out, _ = human(capsys, english, "neighbors", "saturne")
    assert "Outgoing (receives from it)" in out and "Flows/month" in out
    out, _ = human(capsys, english, "path", "saturne", "infocentre")
    assert out.startswith("3 hops: SATURNE")
    out, _ = human(capsys, english, "critical", "--top", "3")
    assert "Single point of failure" in out and "0.0293" in out
    out, _ = human(capsys, english, "flows", "--by", "zone")
    assert "Flows by zone" in out and "15,485" in out
    out, _ = human(capsys, english, "show", "gibus")
    assert "Lifecycle" in out and "phase-out (active 2009-01-05" in out and "métier / medium" in out
    # Scripts read the same JSON in either language.
    assert main(["map", "stats", "--json", *english]) == 0
    in_english = capsys.readouterr().out
    assert main(["map", "stats", "--json", *CONFIG]) == 0
    assert capsys.readouterr().out == in_english
