"""The on-call story against a real Alertmanager (Debian's, on loopback): a target goes down,
the alert reaches Alertmanager, `vigie alerts ack` silences it (suppressed), the target
recovers, the alert resolves and the ack is expired; the audit holds the story. And when
Alertmanager is away: the daemon keeps probing, queues, retries, fails over, says so once."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.alertmanager import api, free_port, needs_alertmanager, running_alertmanager, wait_for
from tests.oncall_story import alerts_json, running_daemon, vigie, write_settings
from tests.probes.testbed import TestBed
from vigie.probes.oncall.model import fingerprint
from vigie.probes.oncall.store import OnCallStore
from vigie.probes.store import Store

pytestmark = needs_alertmanager


@pytest.fixture(scope="module")
def alertmanager(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One Alertmanager for the module."""
    with running_alertmanager(tmp_path_factory.mktemp("alertmanager")) as url:
        yield url


@pytest.fixture
def bed() -> Iterator[TestBed]:
    with TestBed() as running:
        yield running


def vigie_alerts(url: str) -> list[dict[str, Any]]:
    """Alertmanager's alerts about the test's component."""
    return [a for a in api(url, "alerts") if a["labels"].get("component") == "alpha"]


def test_down_ack_suppressed_recovered_resolved_expired(
    alertmanager: str, bed: TestBed, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bed.set("/svc", "up")
    settings = write_settings(tmp_path, bed, alerts=f'alertmanager = ["{alertmanager}"]')
    config = settings.file
    with running_daemon(settings):
        bed.set("/svc", "error")
        [alert] = wait_for(lambda: vigie_alerts(alertmanager))
        labels = alert["labels"]
        assert labels == {
            "alertname": "VigieComponentDown",
            "component": "alpha",
            "severity": "page",
            "site": "paris",
        }
        # Vigie's id of the alert is Alertmanager's.
        assert alert["fingerprint"] == fingerprint(labels)
        assert alert["annotations"]["summary"] == "Alpha indisponible"
        assert alert["annotations"]["runbook_url"] == "https://wiki.example/runbooks/alpha"
        assert "HTTP 500" in alert["annotations"]["description"]
        assert alert["status"]["state"] == "active"

        [listed] = alerts_json(capsys, config)
        assert listed["id"] == alert["fingerprint"] and listed["state"] == "open"

        status, out, err = vigie(
            capsys,
            config,
            "alerts",
            "ack",
            alert["fingerprint"][:6],
            "--ticket",
            "4242",
            "-m",
            "on redémarre",
            "--by",
            "alice",
        )
        assert status == 0, err
        assert "acquittée par alice" in out
        suppressed = wait_for(
            lambda: [a for a in vigie_alerts(alertmanager) if a["status"]["state"] == "suppressed"]
        )
        [silence_id] = suppressed[0]["status"]["silencedBy"]
        silence = api(alertmanager, f"silence/{silence_id}")
        assert silence["createdBy"] == "alice"
        assert silence["comment"] == "ACK #4242: on redémarre"
        assert {(m["name"], m["value"], m["isRegex"]) for m in silence["matchers"]} == {
            (name, value, False) for name, value in labels.items()
        }
        [listed] = alerts_json(capsys, config)
        assert listed["state"] == "acknowledged" and listed["ticket"] == "4242"

        bed.set("/svc", "up")
        wait_for(lambda: not vigie_alerts(alertmanager))
        expired = wait_for(
            lambda: api(alertmanager, f"silence/{silence_id}")["status"]["state"] == "expired", timeout=15
        )
        assert expired
    with OnCallStore(settings.store_path()) as store:
        story = [(e.action, e.actor, e.silence_id, e.backend) for e in store.audit_entries()]
        [stored] = store.alerts(0, firing_only=False)
    assert story[0] == ("ack", "alice", silence_id, "alertmanager")
    assert story[-1] == ("expire", "vigie", silence_id, "alertmanager")
    assert stored.resolved and stored.fingerprint == alert["fingerprint"]

    # Acknowledging it now: it has resolved, one line, exit 2.
    status, out, err = vigie(capsys, config, "alerts", "ack", alert["fingerprint"][:8], "-m", "trop tard")
    assert status == 2
    assert err.count("\n") == 1 and "has resolved" in err


def test_an_unknown_alert_or_a_missing_comment_is_one_line(
    alertmanager: str, bed: TestBed, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = write_settings(tmp_path, bed, alerts=f'alertmanager = ["{alertmanager}"]')
    status, _, err = vigie(capsys, settings.file, "alerts", "ack", "0123abcd", "-m", "x")
    assert (status, err.count("\n")) == (2, 1) and "no firing alert" in err
    status, _, err = vigie(capsys, settings.file, "alerts", "ack", "0123abcd")
    assert (status, err.count("\n")) == (2, 1) and "needs a comment" in err
    status, _, err = vigie(capsys, settings.file, "silence", "add", "--component", "alpha", "-m", "x")
    assert (status, err.count("\n")) == (2, 1) and "needs an end" in err


def test_alertmanager_away_then_back_failover_said_once(
    bed: TestBed, tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """The first Alertmanager of the list never answers; the second is started late. The
    daemon probes on, says once that it cannot deliver, and delivers once the second is up."""
    dead, late = free_port(), free_port()
    bed.set("/svc", "error")
    alerts = f'alertmanager = ["http://127.0.0.1:{dead}", "http://127.0.0.1:{late}"]'
    settings = write_settings(tmp_path, bed, alerts=alerts)
    caplog.set_level(logging.INFO, logger="vigie")
    with running_daemon(settings):
        with OnCallStore(settings.store_path()) as store:
            down = wait_for(lambda: (s := store.status("alertmanager")) is not None and not s.ok and s)
        assert f"127.0.0.1:{dead}" in down.detail and f"127.0.0.1:{late}" in down.detail
        with Store(settings.store_path()) as results:  # probing goes on
            wait_for(lambda: len(list(results.results(probe="alpha-http"))) >= 4)
        with running_alertmanager(tmp_path / "late", port=late) as url:
            [alert] = wait_for(lambda: vigie_alerts(url))
            assert alert["labels"]["alertname"] == "VigieComponentDown"
            with OnCallStore(settings.store_path()) as store:
                back = wait_for(lambda: (s := store.status("alertmanager")) is not None and s.ok and s)
            assert back.detail == url
            # The console's header and `vigie alerts` read the same status.
            status, out, _ = vigie(capsys, settings.file, "alerts")
            assert status == 0 and f"127.0.0.1:{late}" in out
            events = [json.loads(r.getMessage())["event"] for r in caplog.records if r.name == "vigie.oncall"]
    assert events == ["alertmanager_unreachable", "alertmanager_reached"]
