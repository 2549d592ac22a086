"""gunicorn settings for the web app in production: `gunicorn` (run from this folder) reads this file.

Every value can be changed through the environment: PORT, HOST, WEB_CONCURRENCY (workers). The app
refuses to start on a wrong or missing setting (SCR_SECRET_KEY, say), naming the variable and the fix.
"""

from __future__ import annotations

import os
import sys

# Under gunicorn the service is live unless told otherwise: a secret key is then required.
os.environ.setdefault("SCR_ENV", "production")
os.environ.setdefault("SCR_LOG_FORMAT", "json")

wsgi_app = "webui:create_app()"
bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"  # noqa: S104 - in a container or behind a proxy
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "sync"
timeout = 60
graceful_timeout = 20
keepalive = 5
# Each worker builds its own engine (database pool) after the fork.
preload_app = False
accesslog = "-"
errorlog = "-"
# Access lines without query strings (search terms could name a child).
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'


def on_starting(server):  # type: ignore[no-untyped-def]
    """Check the configuration once, before any worker starts; stop with the reasons if it is wrong."""
    from engine import EngineSettings
    from engine.logs import configure
    from engine.settings import ConfigInvalid

    try:
        settings = EngineSettings.from_env()
    except ConfigInvalid as err:
        print(err, file=sys.stderr, flush=True)
        sys.exit(2)
    configure(settings.log_format)
