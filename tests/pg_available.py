"""Exit 0 when the test PostgreSQL answers (used by `make test`)."""

from __future__ import annotations

import os
import sys

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"


def admin_url() -> str:
    return os.environ.get("TEST_DATABASE_URL", DEFAULT_URL)


def main() -> int:
    try:
        import psycopg

        with psycopg.connect(admin_url().replace("postgresql+psycopg://", "postgresql://"),
                             connect_timeout=3):
            return 0
    except Exception as exc:
        print(f"PostgreSQL not available: {exc.__class__.__name__}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
