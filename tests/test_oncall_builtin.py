"""The same on-call story without Alertmanager, on Vigie's built-in notifier: the alert in
the store, `vigie alerts ack` silences it (the webhook stays quiet about it), the recovery
resolves it and expires the ack; `vigie silence` add/list/expire/sync; the audit."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.alertmanager import wait_for
from tests.oncall_story import alerts_json, running_daemon, vigie, write_settings
from tests.probes.testbed import TestBed, webhook_receiver
from vigie.probes.oncall.store import OnCallStore


@pytest.fixture
def bed() -> Iterator[TestBed]:
    with TestBed() as running:
        yield running


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A loopback webhook receiver: its URL and what it received."""
    with webhook_receiver() as receiver:
        yield receiver


def test_down_ack_muted_recovered_expired(
    bed: TestBed,
    webhook: tuple[str, list[dict[str, Any]]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    url, received = webhook
    bed.set("/svc", "up")
    settings = write_settings(tmp_path, bed, alerts=f'webhook = "{url}"\nreminder_every = "1s"')
    config = settings.file
    caplog.set_level(logging.INFO, logger="vigie")
    with running_daemon(settings):
        bed.set("/svc", "error")
        [alert] = wait_for(lambda: alerts_json(capsys, config))
        assert alert["state"] == "open"
        assert alert["labels"] == {
            "alertname": "VigieComponentDown",
            "component": "alpha",
            "severity": "page",
            "site": "paris",
        }
        assert alert["annotations"]["summary"] == "Alpha indisponible"
        status, out, err = vigie(
            capsys, config, "alerts", "ack", alert["id"][:5], "-m", "on regarde", "--by", "bob"
        )
        assert status == 0, err
        [acked] = alerts_json(capsys, config)
        assert acked["state"] == "acknowledged"
        assert acked["silence"]["createdBy"] == "bob" and acked["silence"]["comment"] == "ACK: on regarde"
        silence_id = acked["silence"]["id"]
        # While acknowledged, the reminders are logged as silenced and not posted.
        wait_for(lambda: any("silenced_by" in r.getMessage() for r in caplog.records))
        time.sleep(0.3)  # a reminder queued just before the ack may still be on its way
        posted_before = len(received)
        status, out, _ = vigie(capsys, config, "alerts")
        assert "acquittée par bob" in out
        bed.set("/svc", "up")
        wait_for(lambda: not alerts_json(capsys, config))
        with OnCallStore(settings.store_path()) as store:
            wait_for(lambda: store.silences()[0].state(datetime.now().timestamp()) == "expired", timeout=15)
    assert received[0]["kind"] == "down"
    assert [a["kind"] for a in received[posted_before:]] == ["recovery"]
    muted = [json.loads(r.getMessage()) for r in caplog.records if "silenced_by" in r.getMessage()]
    assert muted and all(m["silenced_by"] == silence_id and m["kind"] == "reminder" for m in muted)
    with OnCallStore(settings.store_path()) as store:
        story = [(e.action, e.actor, e.silence_id, e.backend) for e in store.audit_entries()]
    assert story == [("ack", "bob", silence_id, "vigie"), ("expire", "vigie", silence_id, "vigie")]


def test_silences_add_list_expire_and_the_maintenance_sync(
    bed: TestBed, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    soon = (datetime.now() + timedelta(days=1)).replace(microsecond=0)
    window = f"""
[[maintenance]]
id = "bascule"
component = "alpha"
reason = "Bascule du datacenter"
start = {soon.isoformat()}
end = {(soon + timedelta(hours=2)).isoformat()}
"""
    settings = write_settings(tmp_path, bed, extra=window)
    config = settings.file
    status, out, err = vigie(
        capsys, config, "silence", "add", "--component", "alpha", "--alertname", "VigieComponentDegraded",
        "--for", "2h", "-m", "lenteurs connues", "--by", "carol",
    )  # fmt: skip
    assert status == 0, err
    status, out, _ = vigie(capsys, config, "silence", "list", "--json")
    [added] = json.loads(out)
    assert added["state"] == "active" and added["createdBy"] == "carol"
    assert {(m["name"], m["value"]) for m in added["matchers"]} == {
        ("component", "alpha"),
        ("alertname", "VigieComponentDegraded"),
    }
    status, out, _ = vigie(capsys, config, "silence", "sync", "--by", "carol")
    assert status == 0 and "1 silence(s) créé(s)" in out
    status, out, _ = vigie(capsys, config, "silence", "sync")
    assert "0 silence(s) créé(s), 1 déjà en place" in out
    status, out, _ = vigie(capsys, config, "silence", "list", "--json")
    maintenance = next(s for s in json.loads(out) if s["comment"].startswith("MAINT"))
    assert maintenance["comment"] == "MAINT bascule: Bascule du datacenter"
    assert maintenance["state"] == "pending"
    # The window's local time is the configured zone's.
    assert datetime.fromisoformat(maintenance["startsAt"]) == soon.replace(tzinfo=ZoneInfo("Europe/Paris"))
    # The window is removed from config.toml: the next sync withdraws its silence.
    config.write_text(config.read_text(encoding="utf-8").replace(window, ""), encoding="utf-8")
    status, out, _ = vigie(capsys, config, "silence", "sync")
    assert "1 retiré(s)" in out
    status, out, _ = vigie(capsys, config, "silence", "expire", added["id"][:8])
    assert status == 0, out
    status, out, _ = vigie(capsys, config, "silence", "list", "--json")
    assert json.loads(out) == []
    status, _, err = vigie(capsys, config, "silence", "expire", added["id"][:8])
    assert (status, err.count("\n")) == (2, 1) and "already expired" in err
    status, out, _ = vigie(capsys, config, "alerts", "audit", "--json")
    assert [e["action"] for e in json.loads(out)] == ["silence", "sync", "expire", "expire"]
