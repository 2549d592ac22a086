"""Test databases for the web and browser tests: demo users, one per role, and deployed diagrams."""

from __future__ import annotations

from pathlib import Path

from engine import EngineSettings
from engine import FixedClock
from engine import build_engine
from engine.db.base import Base
from engine.db.base import make_engine
from engine.db.demo import DEMO_USERS
from tests.conftest import START
from tests.conftest import read_folder
from tests.engine.helpers import DIAGRAMS

FORMS_BPMN = Path(__file__).parent / "diagrams" / "forms.bpmn"
# One demo user for each role.
ROLE_USERS = {roles[0]: name for name, _display, roles, _agency in DEMO_USERS}
ROLE_USERS["panel_member"] = "police_panel"
ROLE_USERS["agency_author"] = "police_author"
ROLE_USERS["agency_manager"] = "police_manager"


def build_database(path: Path, files: dict[str, bytes]) -> None:
    """A database with the schema, the demo users and `files` deployed by the process owner."""
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    engine = build_engine(EngineSettings(database_url=url), clock=FixedClock(START))
    engine.directory.load_demo_users()
    engine.deployments.deploy(
        engine.accounts.by_username("owner"), files, "test diagrams"
    )
    engine.dispose()  # checkpoints SQLite's WAL into the file


def diagram_files() -> dict[str, bytes]:
    """The engine's mini review (with its message templates) and forms.bpmn: every kind of field."""
    return {**read_folder(DIAGRAMS), "forms.bpmn": FORMS_BPMN.read_bytes()}
