"""config.toml loading: the bundled file is valid; every kind of breakage is one located line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import BUNDLED_CONFIG
from vigie.console.cli import main
from vigie.console.settings import load_settings
from vigie.kernel.durations import parse_duration
from vigie.kernel.tomlfile import locate_lines
from vigie.probes.secrets import Secret, SecretError


def test_bundled_config_describes_the_nine_components() -> None:
    settings = load_settings(BUNDLED_CONFIG)
    targets = {c.name: round(c.target * 100) for c in settings.probes.components}
    assert targets == {
        "Chorus Cœur": 98,
        "Infocentre": 98,
        "Chorus Formulaires": 98,
        "Système d'échanges": 98,
        "Chorus DT": 98,
        "Chorus Portail Pro": 99,
        "Chorus Pro": 99,
        "PLACE": 99,
        "ORME": 98,
    }
    assert settings.timezone.key == "Europe/Paris"
    assert settings.probes.exporter.host == "127.0.0.1"
    assert settings.probes.component("systeme-echanges").capacity is not None
    weekly = [m for m in settings.probes.maintenance if m.recurring]
    one_off = [m for m in settings.probes.maintenance if not m.recurring]
    assert weekly and one_off
    assert all(p.options.url.startswith("http://127.0.0.1:") for p in settings.probes.probes)


def test_config_check_exits_zero_and_lists_targets(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "check", "--config", str(BUNDLED_CONFIG)]) == 0
    out = capsys.readouterr().out
    assert "9 composants" in out and "Plage de service" in out  # French by default
    assert "Chorus Pro" in out and "99\u202f%" in out


def _break(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


BREAKAGES = [
    # (name, old, new, expected key in message, expected words)
    (
        "bad type",
        'latency_threshold = "3s"',
        "latency_threshold = 3",
        "components[2].latency_threshold",
        "duration",
    ),
    (
        "target out of range",
        'name = "PLACE"\ndescription = "Plate-forme des achats de l\'État"\ntarget = 99',
        'name = "PLACE"\ndescription = "Plate-forme des achats de l\'État"\ntarget = 150',
        "components[8].target",
        "out of range",
    ),
    (
        "unknown key",
        'interval = "30s"\ntimeout = "5s"\n\n[[probes]]\nid = "infocentre-http"',
        'intervall = "30s"\ntimeout = "5s"\n\n[[probes]]\nid = "infocentre-http"',
        "probes[1].intervall",
        "did you mean 'interval'",
    ),
    (
        "bad duration",
        'retention = "35d"',
        'retention = "35 days"',
        "store.retention",
        "not a duration",
    ),
    (
        "unknown time zone",
        'timezone = "Europe/Paris"',
        'timezone = "Europe/Pariss"',
        "vigie.timezone",
        "unknown time zone",
    ),
    (
        "duplicate id",
        '[[components]]\nid = "orme"',
        '[[components]]\nid = "place"\ntarget = 99\n\n[[components]]\nid = "orme"',
        "components[9].id",
        "duplicate id 'place'",
    ),
    (
        "dangling reference",
        'component = "orme"',
        'component = "ormee"',
        "probes[9].component",
        "no component with id 'ormee'",
    ),
    (
        "missing required key",
        'id = "chorus-dt"\nname = "Chorus DT"\ndescription = "Déplacements temporaires"\ntarget = 98\n',
        'id = "chorus-dt"\nname = "Chorus DT"\ndescription = "Déplacements temporaires"\n',
        "components[5]",
        "missing required key 'target'",
    ),
    (
        "bad window",
        "end = 2017-12-31T02:00:00",
        "end = 2017-12-29T02:00:00",
        "maintenance[2].end",
        "must come after start",
    ),
    ("bad weekly day", 'day = "sun"', 'day = "sunday"', "maintenance[1].day", "is not a day"),
    ("bad choice", 'language = "fr"', 'language = "de"', "vigie.language", "not one of"),
]


@pytest.mark.parametrize(("name", "old", "new", "key", "words"), BREAKAGES, ids=[b[0] for b in BREAKAGES])
def test_each_breakage_is_one_located_line(
    tmp_path: Path,
    bundled_config_text: str,
    capsys: pytest.CaptureFixture[str],
    name: str,
    old: str,
    new: str,
    key: str,
    words: str,
) -> None:
    broken = _break(bundled_config_text, old, new)
    path = tmp_path / "config.toml"
    path.write_text(broken, encoding="utf-8")
    assert main(["config", "check", "--config", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    line = err[0]
    assert line.startswith(f"{path}:"), line
    assert f": {key}: " in line or line.endswith(f": {key}") or f" {key}:" in line, line
    assert words in line, line
    assert "Traceback" not in line


def test_line_numbers_point_at_the_key(
    tmp_path: Path, bundled_config_text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = _break(bundled_config_text, 'retention = "35d"', 'retention = "soon"')
    path = tmp_path / "c.toml"
    path.write_text(broken, encoding="utf-8")
    main(["config", "check", "--config", str(path)])
    err = capsys.readouterr().err
    assert err.startswith(f"{path}:{_line_of(broken, 'retention = ')}: store.retention:")


def test_toml_syntax_error_names_the_line(
    tmp_path: Path, bundled_config_text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = _break(bundled_config_text, "port = 9464", "port = = 9464")
    path = tmp_path / "c.toml"
    path.write_text(broken, encoding="utf-8")
    assert main(["config", "check", "--config", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"{path}:{_line_of(broken, 'port = = ')}: TOML syntax error")


def test_every_problem_is_reported_not_just_the_first(
    tmp_path: Path, bundled_config_text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = bundled_config_text
    for old, new, _, _ in [(b[1], b[2], b[3], b[4]) for b in BREAKAGES[:6]]:
        broken = _break(broken, old, new)
    path = tmp_path / "c.toml"
    path.write_text(broken, encoding="utf-8")
    assert main(["config", "check", "--config", str(path)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 6, lines
    numbers = [int(line.split(":")[1]) for line in lines]
    assert numbers == sorted(numbers)


def test_missing_file_is_a_user_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "check", "--config", str(tmp_path / "nope.toml")]) == 2
    assert "file not found" in capsys.readouterr().err


def test_no_traceback_from_the_installed_command(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[[components]]\nid = 'x'\ntarget = 'high'\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "vigie", "config", "check", "--config", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip() == f"{path}:3: components[1].target: must be a number, not a string"


def test_config_from_environment_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VIGIE_CONFIG", str(BUNDLED_CONFIG))
    assert main(["config", "check", "--json"]) == 0
    assert '"chorus-pro"' in capsys.readouterr().out


def test_secrets_are_resolved_at_use_and_never_shown(
    tmp_path: Path,
    bundled_config_text: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = bundled_config_text.replace(
        'url = "http://127.0.0.1:18109/health"',
        'url = "http://127.0.0.1:18109/health"\nheaders = { Authorization = "Bearer ${ORME_TOKEN}" }',
    )
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.delenv("ORME_TOKEN", raising=False)
    assert main(["config", "check", "--config", str(path)]) == 0
    err = capsys.readouterr().err
    assert "ORME_TOKEN" in err and "not set" in err
    monkeypatch.setenv("ORME_TOKEN", "s3cr3t-value")
    assert main(["config", "check", "--config", str(path), "--json"]) == 0
    captured = capsys.readouterr()
    assert "s3cr3t-value" not in captured.out + captured.err
    probe = load_settings(path).probes.probes[-1]
    header = dict(probe.options.headers)["Authorization"]
    assert "s3cr3t" not in repr(header) and "s3cr3t" not in str(header)
    assert header.reveal() == "Bearer s3cr3t-value"


def test_secret_with_unset_variable_names_only_the_variable() -> None:
    with pytest.raises(SecretError, match="GLPI_APP_TOKEN is not set"):
        Secret("${GLPI_APP_TOKEN}").reveal({})


@pytest.mark.parametrize(
    ("text", "seconds"), [("30s", 30), ("5m", 300), ("1h30m", 5400), ("500ms", 0.5), ("2d", 172800)]
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5", "5x", "1h 30", "-5s"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_locate_lines_handles_sub_tables_of_arrays() -> None:
    text = "[[components]]\nid = 'a'\n[[components]]\nid = 'b'\n[components.policy]\nconfirm_after = 2\n"
    lines = locate_lines(text)
    assert lines[("components", 1, "id")] == 4
    assert lines[("components", 1, "policy", "confirm_after")] == 6
