"""Which databases the process tests run on.

The full case runs on SQLite and PostgreSQL (the `db_engine` fixture's own parameters). The branch
tests run on SQLite only, to keep the suite within minutes on two cores: they drive the same engine
calls as the full case, so what differs between the databases is covered there. Set
SCR_PROCESS_ALL_DATABASES=1 to run every process test on both.
"""

from __future__ import annotations

import os

import pytest

BRANCH_DATABASES = (
    ["sqlite", "postgresql"]
    if os.environ.get("SCR_PROCESS_ALL_DATABASES") == "1"
    else ["sqlite"]
)

branch_test = pytest.mark.parametrize("db_engine", BRANCH_DATABASES, indirect=True)
