"""Catalog files: the bundled sample loads clean; every kind of breakage is listed, located."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT
from vigie.catalog.loader import catalog_json, load_catalog, write_csv, write_json
from vigie.catalog.model import (
    Application,
    Catalog,
    Category,
    Criticality,
    Decision,
    Direction,
    DossierProgress,
    Homologation,
    Interface,
    Lifecycle,
    Ministry,
    Phase,
    Protocol,
    Reserve,
    SecurityNeeds,
    Zone,
)
from vigie.console.cli import main
from vigie.console.demo.sample_catalog import SIFE_DOMAINS
from vigie.kernel.problems import ConfigError

SAMPLE = ROOT / "catalog"

MINISTRIES = """id,name,parent
minefi,Ministères économiques et financiers,
aife,AIFE,minefi
armees,Ministère des Armées,
"""
APPLICATIONS = """id,name,ministry,domain,zone,category,criticality,phase,decommission_on,replaced_by,core
coeur,Chorus Cœur,aife,Finances,Ressources et support,financière hors Chorus,critical,active,,,true
se,SE Chorus,aife,Échanges,Échanges,financière hors Chorus,critical,active,,,true
ares,ARES,armees,Logistique,Métier,métier,high,active,,,
old,Ancienne,armees,Logistique,Métier,métier,low,decommissioned,2017-06-30,coeur,
"""
INTERFACES = """id,source,target,protocol,monthly_volume,phase
i1,ares,se,edi,500,active
i2,se,coeur,edi,,active
i3,old,se,cre,,decommissioned
"""


def with_column(text: str, column: str, values: dict[str, str]) -> str:
    """CSV text with one more column, filled for the rows whose id is in ``values``."""
    lines = text.strip().split("\n")
    rows = [f"{lines[0]},{column}"]
    rows += [f"{line},{values.get(line.split(',')[0], '')}" for line in lines[1:]]
    return "\n".join(rows) + "\n"


def write_catalog(folder: Path, **files: str) -> Path:
    """A small valid catalog, with any file replaced by the given text."""
    folder.mkdir(parents=True, exist_ok=True)
    texts = {"ministries": MINISTRIES, "applications": APPLICATIONS, "interfaces": INTERFACES, **files}
    for name, text in texts.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_catalog(path)
    return [str(p) for p in caught.value.problems]


def test_bundled_sample_loads_without_problems() -> None:
    catalog = load_catalog(SAMPLE)
    assert 250 <= len(catalog.applications) <= 275
    core = {a.id for a in catalog.applications.values() if a.core}
    assert core == {
        "chorus-coeur",
        "infocentre",
        "chorus-formulaires",
        "systeme-echanges",
        "chorus-dt",
        "chorus-portail-pro",
        "chorus-pro",
        "place",
        "orme",
    }
    by_domain = Counter(a.domain for a in catalog.applications.values())
    for _zone, domain, count in SIFE_DOMAINS:
        assert by_domain[domain] == count, domain
    names = {a.name for a in catalog.applications.values() if not a.placeholder}
    for name in ("PLEIADE", "ORACLE (DILA)", "ARES", "AGFA", "CRISTAL", "GIBUS", "NEMO-COM", "SATURNE"):
        assert name in names
    assert catalog.applications["gibus"].lifecycle.phase is Phase.PHASE_OUT
    assert catalog.applications["gibus"].lifecycle.replaced_by == "chorus-formulaires"
    saturne = [i for i in catalog.interfaces.values() if i.source == "saturne"]
    assert saturne and saturne[0].protocol is Protocol.CRE
    through_se = [i for i in catalog.interfaces.values() if "systeme-echanges" in (i.source, i.target)]
    assert 90 <= len(through_se) <= 110
    volume = sum(i.monthly_volume or 0 for i in through_se if i.lifecycle.phase is not Phase.DECOMMISSIONED)
    assert 30_000 <= volume <= 55_000
    assert catalog.homologations["hom-2017-chorus-dt"].until is not None
    assert any(h.reserves for h in catalog.homologations.values())
    assert catalog.ministries["aife"].parent == "minefi"


def test_csv_to_json_round_trip_is_lossless(tmp_path: Path) -> None:
    from_csv = load_catalog(SAMPLE)
    path = write_json(from_csv, tmp_path / "catalog.json")
    from_json = load_catalog(path)
    assert from_json == from_csv
    write_csv(from_json, tmp_path / "again")
    assert load_catalog(tmp_path / "again") == from_csv
    assert json.loads(path.read_text(encoding="utf-8")) == catalog_json(from_csv)


def test_bom_and_semicolon_delimiter_are_read(tmp_path: Path) -> None:
    folder = write_catalog(tmp_path / "c")
    for name in ("ministries", "applications", "interfaces"):
        path = folder / f"{name}.csv"
        text = path.read_text(encoding="utf-8").replace(",", ";")
        path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    catalog = load_catalog(folder)
    assert catalog.applications["coeur"].zone is Zone.RESSOURCES
    assert catalog.interfaces["i1"].monthly_volume == 500


def test_stray_cells_are_reported_but_trailing_empty_ones_are_not(tmp_path: Path) -> None:
    links = (
        INTERFACES.replace("i2,se,coeur,edi,,active", "i2,se,coeur,edi,,active,,")
        + "i4,ares,coeur,edi,1,active,oops\n"
    )
    found = problems_of(write_catalog(tmp_path / "c", interfaces=links))
    assert [p.split("/")[-1] for p in found] == [
        "interfaces.csv:5: 7 cells for 6 columns (a stray separator?)"
    ]


def test_french_dates_and_quoted_cells(tmp_path: Path) -> None:
    apps = APPLICATIONS.replace("2017-06-30", "30/06/2017").replace(
        "ares,ARES,", 'ares,"ARES, le SI du commissariat",'
    )
    catalog = load_catalog(write_catalog(tmp_path / "c", applications=apps))
    assert str(catalog.applications["old"].lifecycle.decommission_on) == "2017-06-30"
    assert catalog.applications["ares"].name == "ARES, le SI du commissariat"


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            {"applications": APPLICATIONS + "coeur,Doublon,aife,Finances,Métier,métier,low,active,,,\n"},
            ["applications.csv:6: id: duplicate id 'coeur' (first defined at line 2)"],
        ),
        (
            {"interfaces": INTERFACES + "i4,ares,chorus-coer,api,,active\n"},
            ["interfaces.csv:5: target: unknown application 'chorus-coer'"],
        ),
        (
            {"applications": APPLICATIONS.replace("armees,Logistique,Métier", "armes,Logistique,Métier", 1)},
            ["applications.csv:4: ministry: unknown ministry 'armes' (did you mean 'armees'?)"],
        ),
        (
            {"applications": APPLICATIONS.replace("Ressources et support", "Ressources et suport")},
            [
                "applications.csv:2: zone: 'Ressources et suport' is not one of: Métier, Pilotage et contrôle, "
                "Ressources et support, Données transverses, Échanges (did you mean 'Ressources et support'?)"
            ],
        ),
        (
            {"interfaces": INTERFACES.replace("i1,ares,se,edi", "i1,ares,se,ftp")},
            ["interfaces.csv:2: protocol: 'ftp' is not one of: edi, api, cre, other"],
        ),
        (
            {"applications": APPLICATIONS.replace("2017-06-30", "2017-13-45")},
            [
                "applications.csv:5: decommission_on: '2017-13-45' is not a date (use YYYY-MM-DD or DD/MM/YYYY)"
            ],
        ),
        (
            {"interfaces": INTERFACES + "i4,ares,ares,edi,,active\n"},
            ["interfaces.csv:5: target: self-loop: the interface goes from 'ares' to itself"],
        ),
        (
            {"interfaces": INTERFACES.replace("i3,old,se,cre,,decommissioned", "i3,old,se,cre,,active")},
            [
                "interfaces.csv:4: source: application 'old' is decommissioned but this interface is still "
                "'active' (decommission the interface too)"
            ],
        ),
        (
            {"interfaces": INTERFACES.replace("500", "beaucoup")},
            ["interfaces.csv:2: monthly_volume: 'beaucoup' is not an integer"],
        ),
        (
            {
                "ministries": MINISTRIES.replace(
                    "minefi,Ministères économiques et financiers,", "minefi,MEF,aife"
                )
            },
            ["ministries.csv:2: parent: parent cycle: minefi -> aife -> minefi"],
        ),
        (
            {"applications": APPLICATIONS.replace("replaced_by", "remplace_par")},
            ["applications.csv:1: remplace_par: unknown column (did you mean 'replaced_by'?)"],
        ),
        (
            {"interfaces": INTERFACES.replace("protocol", "protocole")},
            [
                "interfaces.csv:1: protocole: unknown column (did you mean 'protocol'?)",
                "interfaces.csv:1: protocol: missing required column",
            ],
        ),
        (
            {
                "homologations": "id,applications,authority,progress,decision,commission_on,validity_months\n"
                "h1,coeur|nope,COS SIFE,decided,favourable,2017-03-21,18\n"
            },
            [
                "homologations.csv:2: validity_months: 18 is not one of: 6, 12, 24, 36",
                "homologations.csv:2: applications: unknown application 'nope'",
            ],
        ),
        (
            {"reserves": "homologation,text,owner,due_on\nh9,Chiffrer,AIFE,2017-09-31\n"},
            [
                "reserves.csv:2: due_on: '2017-09-31' is not a date (use YYYY-MM-DD or DD/MM/YYYY)",
                "reserves.csv:2: homologation: unknown homologation 'h9'",
            ],
        ),
        (
            {"applications": with_column(APPLICATIONS, "active_on", {"old": "2018-01-01"})},
            ["applications.csv:5: decommission_on: 2017-06-30 is before active_on (2018-01-01)"],
        ),
        (
            {
                "homologations": "id,applications,authority,progress,validity_months,until\n"
                "h1,coeur,COS SIFE,started,24,2019-12-31\n"
            },
            [
                "homologations.csv:2: until: give validity_months or until (valid until the end of service), not both"
            ],
        ),
    ],
    ids=[
        "duplicate-id",
        "unknown-application",
        "unknown-ministry",
        "bad-zone",
        "bad-protocol",
        "bad-date",
        "self-loop",
        "active-to-decommissioned",
        "bad-number",
        "ministry-cycle",
        "unknown-column",
        "missing-column",
        "homologation",
        "reserve",
        "lifecycle-order",
        "validity-and-until",
    ],
)
def test_each_kind_of_problem_is_located(
    tmp_path: Path,
    files: dict[str, str],
    expected: list[str],
    bundled_config_text: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = write_catalog(tmp_path / "catalog", **files)
    found = [p.removeprefix(f"{folder}/") for p in problems_of(folder)]
    assert found == expected
    # The same problems, one line each, from `vigie config check` (exit 2).
    config = tmp_path / "config.toml"
    config.write_text(bundled_config_text, encoding="utf-8")
    assert main(["config", "check", "--config", str(config)]) == 2
    problems = [
        line for line in capsys.readouterr().err.strip().splitlines() if not line.startswith("warning:")
    ]
    assert problems == [f"{folder}/{line}" for line in expected]


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    apps = APPLICATIONS.replace("critical,active,,,true", "vital,actif,,,true", 1)
    links = INTERFACES + "i1,ares,se,edi,1,active\ni5,ghost,se,edi,,active\n"
    found = problems_of(write_catalog(tmp_path / "c", applications=apps, interfaces=links))
    assert len(found) == 4
    assert any("applications.csv:2: criticality: 'vital'" in p for p in found)
    assert any("applications.csv:2: phase: 'actif'" in p and "did you mean 'active'" in p for p in found)
    assert any("interfaces.csv:5: id: duplicate id 'i1'" in p for p in found)
    assert any("interfaces.csv:6: source: unknown application 'ghost'" in p for p in found)


def test_json_problems_name_the_record(tmp_path: Path) -> None:
    data = catalog_json(load_catalog(write_catalog(tmp_path / "c")))
    data["interfaces"][0]["target"] = "nowhere"
    data["applications"][1]["zone"] = "Echanges"
    path = tmp_path / "catalog.json"
    text = json.dumps(data, ensure_ascii=False, indent=1)
    path.write_text(text, encoding="utf-8")
    lines = text.splitlines()
    # Header line, then "{", the first record's keys, "},", and the second record's "{".
    app_line = lines.index(' "applications": [') + len(data["applications"][0]) + 4
    link_line = lines.index(' "interfaces": [') + 1 + 1
    found = problems_of(path)
    assert f"{path}:{app_line}: applications[2].zone: 'Echanges' is not one of" in found[0]
    assert "did you mean 'Échanges'?" in found[0]
    assert found[1] == f"{path}:{link_line}: interfaces[1].target: unknown application 'nowhere'"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert problems_of(path)[1] == f"{path}:1: interfaces[1].target: unknown application 'nowhere'"


def test_missing_catalog_and_missing_required_file(tmp_path: Path) -> None:
    assert problems_of(tmp_path / "absent") == [f"{tmp_path / 'absent'}: catalog not found"]
    folder = write_catalog(tmp_path / "c")
    (folder / "ministries.csv").unlink()
    (folder / "ministeres.csv").write_text("id,name\n", encoding="utf-8")
    found = problems_of(folder)
    assert found == [
        f"{folder / 'ministries.csv'}: file not found",
        f"{folder / 'ministeres.csv'}: unknown catalog file (did you mean 'ministries.csv'?)",
        f"{folder / 'ministries.csv'}: 4 later references to ministries not checked (the table could not be read)",
    ]


def test_config_check_validates_the_catalog(
    tmp_path: Path, bundled_config_text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(bundled_config_text, encoding="utf-8")
    write_catalog(tmp_path / "catalog", interfaces=INTERFACES + "i4,ares,ares,edi,,active\n")
    assert main(["config", "check", "--config", str(config)]) == 2
    # Warnings (unset secrets of other sections) are not the catalog's problems.
    err = [line for line in capsys.readouterr().err.strip().splitlines() if not line.startswith("warning:")]
    assert err == [
        f"{tmp_path}/catalog/interfaces.csv:5: target: self-loop: the interface goes from 'ares' to itself"
    ]
    write_catalog(tmp_path / "catalog")
    assert main(["config", "check", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "catalog\u00a0: OK — 4 applications (2 du système central), 3 interfaces, 3 ministères" in out


def test_config_check_on_the_bundled_files_reports_the_catalog(
    tmp_path: Path, bundled_config_text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["config", "check", "--config", str(ROOT / "config.toml")]) == 0
    out = capsys.readouterr().out
    assert "268 applications (9 du système central)" in out
    assert "Capacité nominale" in out and "50\u202f000 flux/mois" in out  # French by default
    english = tmp_path / "config.toml"
    english.write_text(bundled_config_text.replace('language = "fr"', 'language = "en"'), encoding="utf-8")
    (tmp_path / "catalog").symlink_to(ROOT / "catalog")
    assert main(["config", "check", "--config", str(english)]) == 0
    out = capsys.readouterr().out
    assert "268 applications (9 core)" in out and "Nominal capacity" in out and "50,000 flux/month" in out


def test_broken_catalog_via_subprocess_is_one_line_per_problem_no_traceback(
    tmp_path: Path, bundled_config_text: str
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(bundled_config_text, encoding="utf-8")
    write_catalog(tmp_path / "catalog", interfaces=INTERFACES.replace("i2,se,coeur", "i2,se,se"))
    done = subprocess.run(
        [sys.executable, "-m", "vigie", "config", "check", "--config", str(config)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert [line for line in done.stderr.strip().splitlines() if not line.startswith("warning:")] == [
        f"{tmp_path}/catalog/interfaces.csv:3: target: self-loop: the interface goes from 'se' to itself"
    ]


text = st.text(alphabet=st.characters(exclude_categories=("Cs", "Cc")), max_size=25).map(str.strip)
days = st.none() | st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 12, 31))


def _in_order(values: list[date | None]) -> list[date | None]:
    """The same blanks, the dates sorted (lifecycle dates come in order)."""
    given = iter(sorted(v for v in values if v is not None))
    return [None if v is None else next(given) for v in values]


ordered_days = st.lists(days, min_size=4, max_size=4).map(_in_order)


@st.composite
def catalogs(draw: st.DrawFn) -> Catalog:
    """Small catalogs with awkward text (separators, quotes, accents, '|') in every free-text field."""
    ministries = {f"m{i}": Ministry(f"m{i}", draw(text.filter(bool)), "m0" if i else None) for i in range(3)}
    count = draw(st.integers(2, 6))
    apps = {}
    for n in range(count):
        needs = draw(st.none() | st.tuples(*(st.integers(1, 4) for _ in range(4))))
        apps[f"a{n}"] = Application(
            id=f"a{n}",
            name=draw(text.filter(bool)),
            ministry=draw(st.sampled_from(sorted(ministries))),
            domain=draw(text.filter(bool)),
            zone=draw(st.sampled_from(list(Zone))),
            category=draw(st.sampled_from(list(Category))),
            criticality=draw(st.sampled_from(list(Criticality))),
            lifecycle=Lifecycle(
                draw(st.sampled_from([Phase.PLAN, Phase.PHASE_IN, Phase.ACTIVE, Phase.PHASE_OUT])),
                *draw(ordered_days),
                replaced_by=draw(st.none() | st.just("a0")) if n else None,
            ),
            description=draw(text),
            user_ministries=tuple(draw(st.lists(st.sampled_from(sorted(ministries)), max_size=3))),
            security=None if needs is None else SecurityNeeds(*needs),
            rto_hours=draw(st.none() | st.floats(0, 1000, allow_nan=False).map(lambda x: round(x, 2))),
            personal_data=draw(st.booleans()),
            core=draw(st.booleans()),
        )
    links = {}
    for n in range(draw(st.integers(0, 5))):
        source, target = draw(st.permutations(sorted(apps)))[:2]
        links[f"i{n}"] = Interface(
            f"i{n}",
            source,
            target,
            draw(st.sampled_from(list(Protocol))),
            draw(st.sampled_from(list(Direction))),
            draw(text),
            draw(st.none() | st.integers(0, 10**9)),
            draw(st.booleans()),
            description=draw(text),
        )
    reserves = tuple(Reserve(draw(text.filter(bool)), draw(text.filter(bool)), draw(days)) for _ in range(2))
    hom = Homologation(
        "h1",
        ("a0", "a1"),
        draw(text.filter(bool)),
        DossierProgress.DECIDED,
        date(2017, 3, 1),
        Decision.WITH_RESERVES,
        24,
        reserves=reserves,
        documents=("a.pdf", "b c.pdf"),
    )
    return Catalog(ministries, apps, links, {"h1": hom})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(catalog=catalogs())
def test_any_catalog_survives_csv_and_json(tmp_path: Path, catalog: Catalog) -> None:
    folder = tmp_path / f"c{abs(hash(repr(catalog)))}"
    write_csv(catalog, folder)
    assert load_catalog(folder) == catalog
    assert load_catalog(write_json(catalog, folder / "catalog.json")) == catalog


def test_json_missing_and_unknown_keys_are_located(tmp_path: Path) -> None:
    data = catalog_json(load_catalog(write_catalog(tmp_path / "c")))
    del data["applications"][0]["zone"]
    data["interfaces"][0]["targte"] = data["interfaces"][0].pop("target")
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    found = problems_of(path)
    assert f"{path}:" in found[0] and found[0].endswith(": applications[1].zone: missing required key")
    assert found[1].endswith(": interfaces[1].targte: unknown key (did you mean 'target'?)")
    assert found[2].endswith(": interfaces[1].target: missing required key")
    assert all(re.match(rf"{re.escape(str(path))}:\d+: ", p) for p in found)


def test_repeated_column_keeps_its_last_cell_and_empty_cells_are_told_from_absent_columns(
    tmp_path: Path,
) -> None:
    links = "id,source,target,protocol,protocol,phase\ni1,ares,se,edi,,active\ni2,se,coeur,edi,cre,active\n"
    found = problems_of(write_catalog(tmp_path / "c", interfaces=links))
    assert [p.split("/")[-1] for p in found] == ["interfaces.csv:2: protocol: required value is empty"]
    no_protocol = "id,source,target\ni1,ares,se\n"
    found = problems_of(write_catalog(tmp_path / "d", interfaces=no_protocol))
    assert [p.split("/")[-1] for p in found] == ["interfaces.csv:1: protocol: missing required column"]


def test_a_value_parsed_once_is_still_checked_against_each_columns_range(tmp_path: Path) -> None:
    # "0" is a valid monthly volume, then a validity of 0 months must still be refused.
    links = INTERFACES.replace("i2,se,coeur,edi,,active", "i2,se,coeur,edi,0,active")
    homs = "id,applications,authority,progress,validity_months\nh1,coeur,COS SIFE,started,0\n"
    found = problems_of(write_catalog(tmp_path / "c", interfaces=links, homologations=homs))
    assert [p.split("/")[-1] for p in found] == [
        "homologations.csv:2: validity_months: 0 is out of range (must be >= 1)"
    ]


def test_did_you_mean_hints_stop_after_a_budget_but_every_problem_is_listed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("vigie.catalog.loader.SUGGESTION_BUDGET", 0)
    links = INTERFACES + "i5,aress,se,edi,,active\ni6,ares,sse,edi,,active\n"
    found = problems_of(write_catalog(tmp_path / "c", interfaces=links))
    assert [p.split("/")[-1] for p in found] == [
        "interfaces.csv:5: source: unknown application 'aress' (did you mean 'ares'?)",
        "interfaces.csv:6: target: unknown application 'sse'",
    ]
