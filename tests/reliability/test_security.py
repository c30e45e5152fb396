"""Issue 15, security items 1-5: credentials across redirects, GLPI redirects, the one
scrubber end to end, formula injection in every CSV, literal secrets in config.toml."""

from __future__ import annotations

import asyncio
import csv
import io
import subprocess
import sys
import urllib.request
from datetime import date
from pathlib import Path

import pytest

from tests.probes.testbed import TestBed
from tests.reliability.conftest import SECRET, Recorder, free_port, run, vigie, wait_for
from tests.test_catalog_loader import write_catalog
from vigie.accounting.results import Status
from vigie.catalog.loader import load_catalog, write_csv
from vigie.probes.checks.http import check_http_async
from vigie.probes.config import HttpOptions
from vigie.probes.secrets import SCRUBBER, Secret, scrub
from vigie.probes.tickets.config import GlpiConfig
from vigie.probes.tickets.glpi import GlpiClient, GlpiError

HEADERS = (
    ("Authorization", Secret("Bearer ${VIGIE_TEST_TOKEN}")),
    ("X-Api-Key", Secret("${VIGIE_TEST_TOKEN}")),
    ("Cookie", Secret("session=abc")),
    ("Accept-Language", Secret("fr")),
)


def _check(options: HttpOptions) -> tuple[Status, str]:
    outcome = asyncio.run(check_http_async(options, 2.0))
    return outcome.status, outcome.detail


def test_item1_credentials_stay_on_their_origin(secret_env: str, recorder: Recorder, other: Recorder) -> None:
    recorder.routes["/same"] = ("redirect", "/landing")
    recorder.routes["/away"] = ("redirect", other.url("/landing"))
    assert _check(HttpOptions(recorder.url("/same"), headers=HEADERS))[0] is Status.UP
    (kept,) = recorder.headers_of("/landing")
    assert kept["authorization"] == f"Bearer {SECRET}" and kept["x-api-key"] == SECRET
    assert _check(HttpOptions(recorder.url("/away"), headers=HEADERS))[0] is Status.UP
    (sent,) = other.headers_of("/landing")
    assert not {"authorization", "x-api-key", "cookie"} & set(sent), sent
    assert sent["accept-language"] == "fr"


def test_item1_https_to_http_is_refused_unless_allowed(
    secret_env: str, certificates: dict[str, tuple[Path, Path]], other: Recorder
) -> None:
    bed = TestBed(tls=certificates["valid"]).start()
    try:
        bed.set("/down", "redirect", payload=other.url("/landing"))
        options = HttpOptions(bed.url("/down"), headers=HEADERS, verify_tls=False)
        status, detail = _check(options)
        assert (status, detail) == (
            Status.DOWN,
            f"redirect from https to http refused ({other.url('/landing')})",
        )
        assert other.headers_of("/landing") == []
        allowed = HttpOptions(
            bed.url("/down"), headers=HEADERS, verify_tls=False, allow_insecure_redirects=True
        )
        assert _check(allowed)[0] is Status.UP
        (sent,) = other.headers_of("/landing")
        assert "authorization" not in sent and "x-api-key" not in sent
    finally:
        bed.stop()


def test_item2_glpi_redirect_is_an_error_and_the_token_stays(
    monkeypatch: pytest.MonkeyPatch, secret_env: str, recorder: Recorder, other: Recorder
) -> None:
    monkeypatch.setenv("GLPI_APP", "glpi-app-token-9d2e7a61f0c5")
    recorder.routes["/apirest.php/initSession"] = ("redirect", other.url("/apirest.php/initSession"))
    config = GlpiConfig(
        url=recorder.url("/apirest.php"),
        user_token=Secret("${VIGIE_TEST_TOKEN}"),
        app_token=Secret("${GLPI_APP}"),
        retries=0,
    )
    with pytest.raises(GlpiError) as caught:
        GlpiClient(config).open()
    assert str(caught.value) == (
        f"GLPI initSession: HTTP 302 redirect to {other.url('/apirest.php/initSession')} not followed "
        "(GLPI's API does not redirect: check [tickets.glpi] url)"
    )
    assert other.seen == []


CONFIG = """\
[vigie]
language = "en"
[store]
path = "vigie.db"
[exporter]
port = {port}
[[components]]
id = "web"
name = "=cmd|' /C calc'!A0"
target = 99
[[probes]]
id = "web-echo"
component = "web"
kind = "http"
interval = "1s"
timeout = "1s"
url = "{url}"
json_path = "$.status"
json_equals = "ok"
headers = {{ Authorization = "Bearer ${{VIGIE_TEST_TOKEN}}" }}
"""


def test_item3_a_secret_echoed_by_a_target_reaches_no_output(
    tmp_path: Path, secret_env: str, recorder: Recorder, capsys: pytest.CaptureFixture[str]
) -> None:
    """The target echoes the Authorization header into the asserted JSON field: the detail
    is scrubbed before it is stored, so the store, the JSON output, the daemon's log, the
    incidents, every report format and /metrics hold no secret (the fixture greps them)."""
    recorder.routes["/echo"] = ("echo",)
    port = free_port()
    config = tmp_path / "config.toml"
    config.write_text(CONFIG.format(port=port, url=recorder.url("/echo")), encoding="utf-8")
    code, out, _ = run(capsys, "run", "--once", "--json", "--config", str(config))
    (tmp_path / "once.json").write_text(out, encoding="utf-8")
    assert code == 1 and "$.status is '***', expected 'ok'" in out
    # The daemon: its log (-v: every batch) and a /metrics body while it runs.
    with (tmp_path / "daemon.log").open("w") as log:
        daemon = subprocess.Popen(
            [sys.executable, "-m", "vigie", "run", "-v", "--for", "4s", "--config", str(config)],
            stderr=log,
            stdout=log,
        )
        try:

            def scraped() -> bool:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as answer:
                        (tmp_path / "metrics.txt").write_bytes(answer.read())
                    return True
                except OSError:
                    return False

            wait_for(scraped)
        finally:
            daemon.wait(30)
    month = date.today().strftime("%Y-%m")
    for form in ("html", "md", "json", "csv"):
        out_file = tmp_path / f"report.{form}"
        done = vigie(
            "report", "monthly", month, "--format", form, "--out", str(out_file), "--config", str(config)
        )
        assert done.returncode == 0, done.stderr
    incidents = vigie("incidents", "--month", month, "--json", "--config", str(config))
    (tmp_path / "incidents.json").write_text(incidents.stdout)
    assert "is '***'" in incidents.stdout
    # Item 4 on the way: the component's formula-like name is text in the report's CSV.
    cells = [cell for row in csv.reader(io.StringIO((tmp_path / "report.csv").read_text())) for cell in row]
    assert "'=cmd|' /C calc'!A0" in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")]


def test_item3_short_secrets_do_not_garble_text() -> None:
    SCRUBBER.add(["a", "7"])
    assert (
        scrub("cannot reach 127.0.0.1: a refused, code 7") == "cannot reach 127.0.0.1: *** refused, code ***"
    )
    SCRUBBER.add(["longer-secret-value"])
    assert scrub("xlonger-secret-valuex") == "x***x"


def test_item3_a_secret_echoed_encoded_is_scrubbed_too() -> None:
    """A target may echo a token percent-encoded (a query string), JSON- or HTML-escaped."""
    secret = 'p@ss/w0rd "x" <&> é+1'
    SCRUBBER.add([secret])
    echoed = [
        "?token=p%40ss%2Fw0rd%20%22x%22%20%3C%26%3E%20%C3%A9%2B1",
        "?token=p%40ss%2Fw0rd+%22x%22+%3C%26%3E+%C3%A9%2B1",
        '{"token": "p@ss/w0rd \\"x\\" <&> \\u00e9+1"}',
        '{"token": "p@ss/w0rd \\"x\\" <&> é+1"}',
        "<td>p@ss/w0rd &quot;x&quot; &lt;&amp;&gt; é+1</td>",
    ]
    for text in echoed:
        assert "***" in scrub(text) and "w0rd" not in scrub(text), text


def test_item4_the_catalog_export_escapes_formulas_and_reads_back(tmp_path: Path) -> None:
    """(The report's CSV is checked with item 3, whose component is named like a formula.)"""
    folder = write_catalog(tmp_path / "catalog")
    text = (folder / "applications.csv").read_text(encoding="utf-8")
    (folder / "applications.csv").write_text(
        text.replace(",ARES,", ",=cmd|' /C calc'!A0,", 1), encoding="utf-8"
    )
    catalog = load_catalog(folder)
    assert any(a.name == "=cmd|' /C calc'!A0" for a in catalog.applications.values())
    exported = tmp_path / "export"
    write_csv(catalog, exported)
    cells = [
        cell for row in csv.reader(io.StringIO((exported / "applications.csv").read_text())) for cell in row
    ]
    assert "'=cmd|' /C calc'!A0" in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")]
    assert load_catalog(exported) == catalog


def test_item5_config_check_warns_about_literal_secrets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], recorder: Recorder
) -> None:
    config = tmp_path / "config.toml"
    text = CONFIG.format(port=1, url=recorder.url("/x")).replace("${VIGIE_TEST_TOKEN}", "hunter2")
    config.write_text(
        text + '[alerts]\nwebhook = "https://hooks.example.org/T0AB12/B0CD34/a1b2c3d4e5f6g7h8"\n'
    )
    code, _, err = run(capsys, "config", "check", "--config", str(config))
    assert code == 0
    assert err == [
        f'warning: {config}:20: probes[1].headers.Authorization: a literal secret: write it as "${{ENV_VAR}}" '
        "and set the variable in the environment",
        f'warning: {config}:22: alerts.webhook: a literal secret: write it as "${{ENV_VAR}}" '
        "and set the variable in the environment",
    ]
