"""Serve the web UI over a prepared database for the browser tests, in a process of its own.

Usage: python -m tests.browser.server DATABASE_FILE NOW_ISO. Prints the port it listens on (127.0.0.1,
a free port), then serves until it is terminated. The engine's clock stands still at NOW_ISO.
"""

from __future__ import annotations

import secrets
import sys
from datetime import datetime

from werkzeug.serving import make_server

from engine import EngineSettings
from engine import FixedClock
from engine import build_engine
from webui import create_app


def main(argv: list[str]) -> None:
    database, now = argv
    engine = build_engine(
        EngineSettings(database_url=f"sqlite:///{database}"),
        clock=FixedClock(datetime.fromisoformat(now)),
    )
    app = create_app({"ENGINE": engine, "SECRET_KEY": secrets.token_hex(16)})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    print(server.server_port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
