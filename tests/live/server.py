"""Serve the app from a separate, threaded process for tests that need a real server
(the request context really torn down, real connections, real concurrency).

    python -m tests.live.server <database url> <instance folder>

Prints the port on the first line of stdout, then serves until killed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from werkzeug.serving import make_server

from tests.conftest import make_config
from trygg import create_app


def main() -> None:
    url, folder = sys.argv[1], Path(sys.argv[2])
    app = create_app(make_config(url, folder))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    print(server.server_port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()


def build() -> object:
    """For gunicorn (`tests.live.server:build()`): the app on TRYGG_TEST_URL/_FOLDER."""
    import os

    url, folder = os.environ["TRYGG_TEST_URL"], Path(os.environ["TRYGG_TEST_FOLDER"])
    return create_app(make_config(url, folder))
