"""Case bundles: signed, streamed, verifiable and openable offline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask

from casework import bundle
from casework.bundle_cli import main as bundle_cli
from tests.casework.conftest import KEY_PASSPHRASE


@pytest.fixture()
def exported(client: Any, login_as: Any, team: Any, cases: Any, tmp_path: Path) -> Any:
    opened = cases.open(team.org)
    cases.reporter_says(opened, "Han sendte også meldinger om natten.")
    picture = bytes(range(256)) * 700  # three chunks
    cases.attach(opened, picture, name="melding.png")
    login_as(team.vera)
    response = client.get(f"/orgs/{team.org.slug}/cases/{opened.case.public_id}/export")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    path = tmp_path / "bundle.json"
    path.write_bytes(response.get_data())
    keyfile = tmp_path / "trygg-key.json"
    key = client.get(f"/orgs/{team.org.slug}/key?download=1")
    assert "trygg-key.json" in key.headers["Content-Disposition"]
    keyfile.write_bytes(key.get_data())

    class Exported:
        case = opened.case
        bundle = path
        key = keyfile
        data = picture

    return Exported


def test_the_bundle_verifies_with_the_server_key(app: Flask, exported: Any) -> None:
    document = json.loads(exported.bundle.read_text())
    server_key = bytes(bundle.signing_key(app.config["SECRET_KEY"]).verify_key)
    result = bundle.verify(document, trusted_key=server_key)
    assert result.audit_ok
    m = result.manifest
    assert m["case"]["public_id"] == str(exported.case.public_id)
    assert [a["action"] for a in m["audit"]][-1] == "case.exported"
    assert len(result.streams) == 1
    # The whole log's head when exported, signed with the rest: an anchor outside the database.
    from casework import audit
    from casework.models import AuditEntry
    from trygg.extensions import db

    head = m["audit_head"]
    with app.app_context():
        anchored = db.session.get(AuditEntry, head["seq"])
        assert anchored is not None and anchored.hash.hex() == head["hash"]
        assert audit.verify(db.session(), anchors=[(head["seq"], bytes.fromhex(head["hash"]))]).ok


@pytest.mark.parametrize("tamper", ["manifest", "stream", "signature", "other key", "audit"])
def test_a_changed_bundle_does_not_verify(app: Flask, exported: Any, tamper: str) -> None:
    document = json.loads(exported.bundle.read_text())
    trusted = bytes(bundle.signing_key(app.config["SECRET_KEY"]).verify_key)
    if tamper == "manifest":
        document["manifest"]["case"]["state"] = "closed"
    elif tamper == "stream":
        name = next(iter(document["streams"]))
        text = document["streams"][name]
        document["streams"][name] = text[:100] + ("A" if text[100] != "A" else "B") + text[101:]
    elif tamper == "signature":
        document["signature"]["value"] = bundle.b64e(bytes(64))
    elif tamper == "other key":
        trusted = bytes(bundle.signing_key("another secret" * 4).verify_key)
    else:
        # The audit hashes are keyed with the server's secret, so offline the bundle can show
        # only that its entries are in order and linked (the signature vouches for the rest;
        # `flask audit verify` checks the hashes). An entry that does not link to the one
        # before it, signed with the server's own key:
        forged = bundle.signing_key(app.config["SECRET_KEY"])
        last = document["manifest"]["audit"][-1]
        document["manifest"]["audit"].append(dict(last, seq=last["seq"] + 1, detail="forged"))
        document["signature"] = bundle.sign(document["manifest"], forged)
        assert not bundle.verify(document, trusted_key=trusted).audit_ok
        return
    with pytest.raises(bundle.BundleError):
        bundle.verify(document, trusted_key=trusted)


def test_trygg_bundle_verify_and_decrypt_offline(app: Flask, exported: Any,
                                                 tmp_path: Path) -> None:
    runner = CliRunner()
    server_key = bundle.b64e(bytes(bundle.signing_key(app.config["SECRET_KEY"]).verify_key))
    result = runner.invoke(bundle_cli, ["verify", str(exported.bundle), "--public-key", server_key])
    assert result.exit_code == 0, result.output
    assert "Signature: valid" in result.output
    out = tmp_path / "opened"
    result = runner.invoke(bundle_cli, ["decrypt", str(exported.bundle), "--wrapped-key",
                                        str(exported.key), "--out", str(out)],
                           input=KEY_PASSPHRASE + "\n")
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text())
    assert report["what"].startswith("Han tok meg")
    thread = json.loads((out / "thread.json").read_text())
    assert thread[0]["body"]["text"] == "Han sendte også meldinger om natten."
    assert (out / "attachments" / "01-melding.png").read_bytes() == exported.data
    assert (out / "report.json").stat().st_mode & 0o077 == 0


def test_a_wrong_passphrase_or_a_changed_bundle_opens_nothing(app: Flask, exported: Any,
                                                              tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "nope"
    result = runner.invoke(bundle_cli, ["decrypt", str(exported.bundle), "--wrapped-key",
                                        str(exported.key), "--out", str(out)], input="wrong\n")
    assert result.exit_code != 0
    assert "did not unlock" in result.output
    assert not (out / "report.json").exists()
    document = json.loads(exported.bundle.read_text())
    document["manifest"]["created_by"]["name"] = "Someone else"
    exported.bundle.write_text(json.dumps(document))
    result = runner.invoke(bundle_cli, ["verify", str(exported.bundle)])
    assert result.exit_code != 0 and "NOT VALID" in result.output


def test_without_a_pinned_key_a_forged_bundle_is_unverified(
    app: Flask, exported: Any, tmp_path: Path
) -> None:
    """The review's forgery: re-signed with any key, it used to say "Signature: valid" and
    exit 0 when no key was given."""
    from nacl.signing import SigningKey

    document = json.loads(exported.bundle.read_text())
    document["manifest"]["case"]["state"] = "closed"
    document["signature"] = bundle.sign(document["manifest"], SigningKey.generate())
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(document))
    runner = CliRunner()
    result = runner.invoke(bundle_cli, ["verify", str(forged)])
    assert result.exit_code == 3
    assert "UNVERIFIED" in result.output and "Signature: valid" not in result.output
    server_key = bytes(bundle.signing_key(app.config["SECRET_KEY"]).verify_key)
    result = runner.invoke(bundle_cli, ["verify", str(forged), "--public-key",
                                        bundle.b64e(server_key)])
    assert result.exit_code != 0 and "NOT VALID" in result.output
    result = runner.invoke(bundle_cli, ["verify", str(forged), "--fingerprint",
                                        bundle.fingerprint(server_key)])
    assert result.exit_code != 0 and "NOT VALID" in result.output
    # The genuine bundle with the fingerprint the case page shows: valid, exit 0.
    result = runner.invoke(bundle_cli, ["verify", str(exported.bundle), "--fingerprint",
                                        bundle.fingerprint(server_key)])
    assert result.exit_code == 0, result.output


def test_the_case_page_shows_the_bundle_key_beside_the_export(
    app: Flask, client: Any, login_as: Any, team: Any, cases: Any
) -> None:
    opened = cases.open(team.org)
    login_as(team.vera)
    page = client.get(f"/orgs/{team.org.slug}/cases/{opened.case.public_id}?lang=en")
    server_key = bytes(bundle.signing_key(app.config["SECRET_KEY"]).verify_key)
    text = page.get_data(as_text=True)
    assert bundle.fingerprint(server_key) in text and bundle.b64e(server_key) in text


def test_bundle_key_command(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["trygg", "bundle-key"])
    assert result.exit_code == 0
    expected = bundle.b64e(bytes(bundle.signing_key(app.config["SECRET_KEY"]).verify_key))
    assert expected in result.output
