"""`vigie homologations` and `vigie decom` on the bundled sample and on broken catalogs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import ROOT
from vigie.catalog.homologation import Status, register
from vigie.catalog.loader import load_catalog
from vigie.console.cli import main
from vigie.console.cmd_decom import report

SAMPLE = ROOT / "catalog"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A config naming a private copy of the sample catalog (tests may break the copy)."""
    shutil.copytree(SAMPLE, tmp_path / "catalog")
    path = tmp_path / "config.toml"
    path.write_text('[catalog]\npath = "catalog"\n', encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_register_table_on_the_sample(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "homologations", "--config", str(config), "--as-of", "2018-01-01")
    assert code == 0
    lines = out.splitlines()
    assert "Registre des homologations au 2018-01-01" in lines[0]
    for label in ("expirée", "refusée", "expire bientôt", "en cours", "valide"):
        assert label in out
    # Each application is its name, its id on the line under it (with the commission's day).
    by_app = {
        ident: (lines[i - 1] + lines[i]).split()
        for i, line in enumerate(lines)
        for ident in ("infocentre", "chorus-dt", "diapason")
        if line.strip().startswith(ident + " ")
    }
    assert by_app["chorus-dt"][:2] == ["Chorus", "DT"]  # the name people know, above the id
    assert "2019-12-31" in by_app["chorus-dt"] and "729" in by_app["chorus-dt"]  # until the end of service
    assert "2017-06-20" in by_app["chorus-dt"]  # the commission's day, under the decision
    assert "2020-10-10" in by_app["diapason"]  # three years
    assert "expirée" in by_app["infocentre"]
    # Most urgent first: the first data row is expired.
    first = next(line for line in lines if line.strip().startswith(("Infocentre", "Chorus Portail Pro")))
    assert "expirée" in first
    assert "Réserves échues" in out and "hom-2016-atlas" in out


def test_register_json_round_trips(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "homologations", "--config", str(config), "--as-of", "2018-01-01", "--json")
    assert code == 0
    data = json.loads(out)
    apps = {a["application"]: a for a in data["applications"]}
    assert data["as_of"] == "2018-01-01"
    assert sum(data["counts"].values()) == len(data["applications"])
    assert {a["status"] for a in data["applications"]} <= {s.value for s in Status}
    assert apps["chorus-dt"]["until"] == "2019-12-31" and apps["chorus-dt"]["status"] == "valid"
    assert apps["cristal"]["status"] == "refused" and apps["cristal"]["expires_on"] is None
    assert apps["atlas"]["overdue_reserves"] == 1
    expected = [e.to_json() for e in register(load_catalog(config.parent / "catalog"), date(2018, 1, 1))]
    assert data["applications"] == expected
    statuses = [Status(a["status"]) for a in data["applications"]]
    ranks = [list(Status).index(s) for s in statuses]
    assert ranks == sorted(ranks)


def test_status_filter_and_all(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["homologations", "--config", str(config), "--as-of", "2018-01-01", "--json"]
    code, out, _ = run(capsys, *args, "--status", "expired,expire bientôt")
    assert code == 0
    assert {a["status"] for a in json.loads(out)["applications"]} == {"expired", "expiring"}
    _, out, _ = run(capsys, *args, "--all")
    everything = json.loads(out)
    assert everything["counts"]["not-done"] > 200  # the ministries' own applications
    _, out, _ = run(capsys, *args, "--personal-data")
    listed = json.loads(out)["applications"]
    assert listed and all(a["personal_data"] or a["personal_data_flows"] for a in listed)


def test_check_exits_one_when_expired_or_expiring(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["homologations", "--config", str(config), "--check"]
    assert run(capsys, *base, "--as-of", "2018-01-01")[0] == 1
    assert run(capsys, *base, "--as-of", "2018-01-01", "--status", "valid")[0] == 0
    assert run(capsys, *base, "--as-of", "2017-10-11", "--status", "valid,in-progress")[0] == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["homologations", "--status", "perimee"], "unknown status 'perimee'"),
        (["homologations", "--as-of", "2018-13-01"], "'2018-13-01' is not a date"),
        (["decom", "--as-of", "demain"], "'demain' is not a date"),
        (["decom", "--by", "zone"], "invalid choice: 'zone'"),
    ],
)
def test_bad_arguments_exit_two_in_one_line(
    config: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as caught:
        main([*argv, "--config", str(config)])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and message in err


BAD_RECORDS = [
    (
        "homologations.csv",
        "hom-bad,diapason,COS SIFE,decided,2017-05-02,unfavourable,12,,,\n",
        "validity_months: an unfavourable decision grants no validity (leave it empty)",
    ),
    (
        "homologations.csv",
        "hom-bad,diapason,COS SIFE,decided,2017-05-02,favourable,,,2016-05-02,\n",
        "expires_on: 2016-05-02 is before the commission date 2017-05-02",
    ),
    (
        "homologations.csv",
        "hom-bad,diapazon,COS SIFE,decided,2017-05-02,favourable,12,,,\n",
        "applications: unknown application 'diapazon' (did you mean 'diapason'?)",
    ),
    (
        "reserves.csv",
        "hom-2016-atlas,Revoir les droits,,2018-01-31,false\n",
        "owner: required value is empty",
    ),
    (
        "progress_contracts.csv",
        "cp-bad,interieur,gibus|nemo,2017-01-01,2018-12-31,CP,0\n",
        "applications: unknown application 'nemo' (did you mean 'nemo-com'?)",
    ),
]


@pytest.mark.parametrize(("file", "row", "message"), BAD_RECORDS)
def test_bad_records_exit_two_located(
    config: Path, capsys: pytest.CaptureFixture[str], file: str, row: str, message: str
) -> None:
    path = config.parent / "catalog" / file
    before = path.read_text(encoding="utf-8")
    path.write_text(before + row, encoding="utf-8")
    expected = [f"{path}:{len(before.splitlines()) + 1}: {message}"]
    done = subprocess.run(
        [sys.executable, "-m", "vigie", "homologations", "--config", str(config)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == expected
    code, _, err = run(capsys, "decom", "--config", str(config))
    assert code == 2 and err.strip().splitlines() == expected
    assert path.read_text(encoding="utf-8") == before + row  # reading never rewrites the catalog


def test_decom_table_on_the_sample(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "decom", "--config", str(config), "--as-of", "2017-12-31")
    assert code == 0
    assert "Décommissionnement au 2017-12-31" in out and "%" in out and "." not in out.splitlines()[0]
    interieur = next(line for line in out.splitlines() if line.strip().startswith("interieur"))
    assert "CP-INT-2009" in interieur and "1/12" in interieur
    assert "Burn-down mensuel" in out and "2017-12" in out
    assert "gibus" in out and "rerouter vers chorus-formulaires" in out
    assert "applications éteintes au total" in out


def test_decom_json_round_trips(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "decom", "--config", str(config), "--as-of", "2017-12-31", "--json")
    assert code == 0
    data = json.loads(out)
    total = data["total"]
    assert sum(g["total"] for g in data["groups"]) == total["total"]
    assert total["switched_off"] + total["planned"] + total["late"] + total["unscheduled"] == total["total"]
    december = next(p for p in data["burn_down"] if p["month"] == "2017-12")
    assert december["switched_off"] == total["switched_off"]
    assert december["remaining_actual"] == total["total"] - total["switched_off"]
    assert data["burn_down"][-1]["remaining_actual"] is None
    catalog = load_catalog(config.parent / "catalog")
    assert data == json.loads(json.dumps(report(catalog, date(2017, 12, 31), "ministry")))
    interieur = next(g for g in data["groups"] if g["key"] == "interieur")
    assert interieur["contract"]["applications"] == 12
    assert {f["retiring"] for f in data["integrity"]} >= {"gibus", "nemo-com"}
    _, out, _ = run(
        capsys, "decom", "--config", str(config), "--as-of", "2017-12-31", "--json", "--by", "domain"
    )
    assert sum(g["total"] for g in json.loads(out)["groups"]) == total["total"]


def test_decom_check(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "decom", "--config", str(config), "--as-of", "2017-12-31", "--check")[0] == 0
    code, out, _ = run(capsys, "decom", "--config", str(config), "--as-of", "2018-12-31", "--check")
    assert code == 1 and "En retard\u00a0: " in out and "gibus" in out


def test_missing_catalog_path_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[vigie]\n", encoding="utf-8")
    code, _, err = run(capsys, "homologations", "--config", str(config))
    assert code == 2 and err.strip().splitlines() == [
        f"{config}: catalog.path: not set (the catalog's folder)"
    ]


def test_english_on_request(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config.write_text('[vigie]\nlanguage = "en"\n\n[catalog]\npath = "catalog"\n', encoding="utf-8")
    _, out, _ = run(capsys, "homologations", "--config", str(config), "--as-of", "2018-01-01")
    assert "Homologation register on 2018-01-01" in out and "expiring soon" in out
    assert "Chorus Portail Pro" in out and "favourable" in out and "GDPR" in out
    _, out, _ = run(capsys, "decom", "--config", str(config), "--as-of", "2018-12-31")
    assert "Decommissioning on 2018-12-31" in out and "Late: " in out
