"""trygg-bundle: check and open a Trygg case bundle offline.

    trygg-bundle verify BUNDLE [--public-key KEY]
    trygg-bundle decrypt BUNDLE --wrapped-key KEYFILE [--out DIR] [--public-key KEY]

`verify` checks the Ed25519 signature over the manifest (which covers the audit entries),
every attachment stream's hash, and that the audit entries are in order and linked (their
hashes are keyed with the server's secret: only `flask audit verify` on the server checks
them). Pin the server's key with --public-key (or its fingerprint with --fingerprint;
`flask trygg bundle-key` and the case page's export section show both): without it the
signature only proves that *someone* signed, so `verify` says UNVERIFIED and exits 3.

`decrypt` also asks for the handler's key passphrase, unwraps the handler's private key from
KEYFILE (the key file downloaded from the case page, or the bare wrapped key) and writes the
report, the thread, the summaries and the attachments in plaintext to DIR. Nothing here talks
to a network; only Python, `cryptography` and PyNaCl are needed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from casework.bundle import BundleError, Verified, b64d, b64e, fingerprint, verify
from crypto import envelope, keywrap, stream
from crypto.errors import CryptoError


def _load(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise click.ClickException(
            f"{path}: not a readable JSON file ({exc.__class__.__name__})"
        ) from None


def _verified(path: Path, public_key: str | None) -> Verified:
    trusted = b64d(public_key) if public_key else None
    try:
        return verify(_load(path), trusted_key=trusted)
    except (BundleError, KeyError, TypeError, ValueError) as exc:
        raise click.ClickException(f"NOT VALID: {exc}") from None


@click.group(help="Check and open Trygg case bundles offline.")
def main() -> None:
    pass


UNVERIFIED = 3  # the exit code when the bundle holds together but no trusted key was given


@main.command("verify", help="Check a bundle's signature, attachments and audit entries.")
@click.argument("bundle", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--public-key", default=None, help="The server's bundle key you trust (base64url).")
@click.option("--fingerprint", "pinned_fingerprint", default=None,
              help="Or the fingerprint of that key, as the case page shows it.")
def verify_command(bundle: Path, public_key: str | None, pinned_fingerprint: str | None) -> None:
    result = _verified(bundle, public_key)
    m = result.manifest
    signer = fingerprint(result.public_key)
    if pinned_fingerprint is not None and \
            "".join(pinned_fingerprint.split()).lower() != "".join(signer.split()):
        raise click.ClickException(
            f"NOT VALID: signed by a different key than the one you trust ({signer})")
    pinned = public_key is not None or pinned_fingerprint is not None
    click.echo("Signature: valid (Ed25519), by the key you gave" if pinned else
               "Signature: UNVERIFIED — it holds for the key inside the bundle, which anyone "
               "can make")
    click.echo(f"Signed by key: {b64e(result.public_key)}")
    click.echo(f"Fingerprint:   {signer}")
    click.echo(f"Organisation:  {m['organisation']['name']} ({m['organisation']['slug']})")
    click.echo(f"Case:          {m['case']['public_id']} ({m['case']['state']})")
    click.echo(f"Exported:      {m['created_at']} by {m['created_by']['name']}")
    click.echo(f"Contents:      {len(m['messages'])} message(s), {len(m['attachments'])} "
               f"attachment(s), {len(m['handoffs'])} summary(ies), {len(m['audit'])} audit entries")
    head = m.get("audit_head")
    if isinstance(head, dict):
        click.echo(f"Audit head:    {head.get('seq')}:{head.get('hash')}  (on the server: "
                   "flask audit verify --anchor with this)")
    if not result.audit_ok:
        raise click.ClickException("NOT VALID: the audit entries are out of order or unlinked")
    click.echo("All attachment streams match; the audit entries are in order and linked.")
    if not pinned:
        click.echo("UNVERIFIED: no trusted key was given. Pass the server's key with "
                   "--public-key (or its fingerprint with --fingerprint), as the case page or "
                   "`flask trygg bundle-key` shows it.", err=True)
        sys.exit(UNVERIFIED)


def _private_key(keyfile: Path, manifest: dict[str, Any]) -> bytes:
    data = _load(keyfile)
    if not isinstance(data, dict):
        raise click.ClickException(f"{keyfile}: not a key file")
    blob = data.get("wrapped_private_key", data)
    if isinstance(blob, str):
        blob = json.loads(blob)
    if "public_key" in data:
        public_key = b64d(data["public_key"])
    else:  # a bare wrapped key: find its public key among the case's handlers
        keys = [b64d(h["public_key"]) for h in manifest["handlers"] if h.get("public_key")]
        matches = [k for k in keys if envelope.kid(k) == blob.get("kid")]
        if not matches:
            raise click.ClickException("This key is not one of the case's handlers' keys.")
        public_key = matches[0]
    passphrase = click.prompt("Key passphrase", hide_input=True, err=True)
    try:
        return keywrap.unwrap_private_key(blob, passphrase, public_key)
    except CryptoError:
        raise click.ClickException("The key passphrase did not unlock this key.") from None


def _open(item: Any, key: bytes, context: str) -> Any:
    """A sealed JSON document, or None when this key cannot open it."""
    if item is None:
        return None
    try:
        text = envelope.unseal(item, key, context).decode("utf-8")
    except (CryptoError, UnicodeDecodeError):
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return {"text": text}


def _safe_name(name: object, fallback: str) -> str:
    text = str(name or fallback).replace("/", "_").replace("\\", "_").strip(". ")
    return text[:120] or fallback


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)


@main.command("decrypt", help="Open a bundle with a handler's key (asks for the passphrase).")
@click.argument("bundle", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--wrapped-key", "keyfile", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Your key file from the case page (trygg-key.json).")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the plaintext (default: next to the bundle).")
@click.option("--public-key", default=None, help="The server's bundle key you trust (base64url).")
def decrypt_command(bundle: Path, keyfile: Path, out: Path | None, public_key: str | None) -> None:
    result = _verified(bundle, public_key)
    if public_key is None:
        click.echo("UNVERIFIED: without --public-key nothing shows that this server made the "
                   "bundle; anyone can seal content to your public key.", err=True)
    m = result.manifest
    key = _private_key(keyfile, m)
    contexts = m["case"]["contexts"]
    out = out or bundle.with_name(bundle.stem + "-opened")
    out.mkdir(mode=0o700, parents=True, exist_ok=True)
    unopened = 0
    report = _open(m["report"], key, contexts["report"])
    if m["report"] is not None:
        unopened += report is None
        _write_text(out / "report.json", json.dumps(report, ensure_ascii=False, indent=2))
    thread = []
    for message in m["messages"]:
        body = _open(message["body"], key, contexts["message"])
        unopened += message["body"] is not None and body is None
        thread.append({k: message[k] for k in ("seq", "sender", "kind", "created_on", "author")}
                      | {"body": body})
    _write_text(out / "thread.json", json.dumps(thread, ensure_ascii=False, indent=2))
    summaries = []
    for handoff in m["handoffs"]:
        body = _open(handoff["summary"], key, contexts["handoff"])
        unopened += handoff["summary"] is not None and body is None
        summaries.append({"created_on": handoff["created_on"],
                          "released_on": handoff["released_on"], "summary": body})
    _write_text(out / "summaries.json", json.dumps(summaries, ensure_ascii=False, indent=2))
    folder = out / "attachments"
    folder.mkdir(mode=0o700, exist_ok=True)
    for i, item in enumerate(m["attachments"]):
        meta = _open(item["meta"], key, contexts["attachment_meta"]) or {}
        name = f"{i + 1:02d}-{_safe_name(meta.get('name'), 'attachment')}"
        target, partial = folder / name, folder / (name + ".part")
        try:
            with partial.open("wb") as f:
                for piece in stream.decrypt_stream(item["key"], [result.streams[item["public_id"]]],
                                                   key, contexts["attachment_key"]):
                    f.write(piece)
            partial.chmod(0o600)
            partial.replace(target)
        except CryptoError:
            partial.unlink(missing_ok=True)
            unopened += 1
    _write_text(out / "audit.json", json.dumps(m["audit"], ensure_ascii=False, indent=2))
    click.echo(f"Opened into {out} — this is plaintext: keep it on an encrypted disk and "
               "delete it when the matter is over.")
    if unopened:
        click.echo(f"{unopened} item(s) could not be opened with this key.", err=True)
        sys.exit(2)


if __name__ == "__main__":  # pragma: no cover
    main()
