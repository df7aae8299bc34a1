"""Handler key custody on the server side: store what browser enrolment produced.

The server receives the public key and the two wrapped private keys (crypto.keywrap);
it never sees the passphrase, the recovery code or the private key. `enrol_demo_keys`
performs the browser's steps in Python for the development demo only.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from accounts.models import Person


def enrol_demo_keys(person: Any, passphrase: str, *, kdf_iterations: int | None = None) -> None:
    import json

    from crypto import keywrap

    private, public = keywrap.generate_key_pair()
    kwargs = {} if kdf_iterations is None else {"iterations": kdf_iterations}
    wrapped = keywrap.wrap_private_key(private, passphrase, **kwargs)
    assert isinstance(person, Person)  # noqa: S101 - narrowing for mypy
    person.public_key = public
    person.wrapped_private_key = json.dumps(wrapped, separators=(",", ":"))
    person.recovery_wrapped_key = None
    person.key_created_at = datetime.now(UTC)
