"""Need to know (issue 12): an agency's report is its own until the Panel accepts it.

The police author uploads the police IMR with their task; the health author of the same case cannot
list or download it (it answers as an unknown document) until the Panel Chair's quality assurance
accepts the police report (`sharesDocumentsOf` on that task, bpmn/README.md); the police senior
manager and this case's Panel Chair read it before; board-wide roles always.
"""

from __future__ import annotations

from datetime import date

import pytest

from engine import NotFound
from engine import NotPermitted
from tests.process import journey
from tests.process.scenario import Scenario
from tests.process.scenario import london

WRITE = journey.WRITE_REPORT
SIGN_OFF = journey.SIGN_OFF_REPORT
QA = journey.QA_REPORT


def _readers(s: Scenario, document_id: int) -> list[str]:
    found = []
    for name, user in s.users.items():
        try:
            s.engine.documents.get(user, document_id)
        except (
            NotFound,
            NotPermitted,
        ):  # another agency's report; not in the case at all
            continue
        found.append(name)
    return sorted(found)


def _listed_to(s: Scenario, as_: str) -> list[str]:
    return [d.filename for d in s.engine.documents.of_case(s.users[as_], s.reference)]


def test_an_agency_report_is_its_agencys_until_the_panel_accepts_it(scenario: Scenario):
    s = scenario
    journey.through(s, "panel_setup")
    s.complete(
        "Brief the authors and the managers who sign off the reports", as_="bqam"
    )
    s.move_to(london(date(2026, 4, 20)))
    s.complete(
        WRITE,
        as_="police_author",
        files={"agency_report": ("police-imr.txt", b"The police IMR.")},
        **journey.AUTHOR_INDEPENDENT,
    )
    [police_imr] = s.engine.documents.of_case(s.users["police_author"], s.reference)
    before = _readers(s, police_imr.id)
    assert before == sorted(
        [
            "admin",
            "auditor",
            "bqam",
            "chair",
            "health_panel",  # this case's Panel gives its view on each report
            "panelchair",
            "police_author",
            "police_manager",
            "police_panel",
        ]
    )
    assert "health_author" not in before and "health_manager" not in before
    assert _listed_to(s, "health_author") == []
    with pytest.raises(NotFound):
        s.engine.documents.get(s.users["health_author"], police_imr.id)
    s.complete(SIGN_OFF, as_="police_manager", agency_report_signed_off="yes")
    s.move_to(london(date(2026, 4, 22)))
    journey.members_give_views(
        s, journey.report_view("police"), agency_report_member_view="accept"
    )
    s.complete(
        QA,
        as_="panelchair",
        of_agency="police",
        agency_report_headings_followed="no",  # not accepted: still the police's
        agency_report_accepted="yes",
        conduct_concerns_raised="no",
        agency_report_qa_feedback="Follow the IMR template headings.",
    )
    assert "health_author" not in _readers(s, police_imr.id)
    s.complete(
        WRITE,
        as_="police_author",
        files={"agency_report": ("police-imr-2.txt", b"The police IMR, again.")},
        **journey.AUTHOR_INDEPENDENT,
    )
    s.complete(SIGN_OFF, as_="police_manager", agency_report_signed_off="yes")
    journey.members_give_views(
        s, journey.report_view("police"), agency_report_member_view="accept"
    )
    s.complete(QA, as_="panelchair", of_agency="police", **journey.REPORT_ACCEPTED)
    assert "health_author" in _readers(s, police_imr.id)
    assert _listed_to(s, "health_author") == ["police-imr.txt", "police-imr-2.txt"]
    shared = [
        e
        for e in s.engine.cases.history(s.users["bqam"], s.reference)
        if e.type == "agency_documents_shared"
    ]
    assert [e.data["agency"] for e in shared] == ["police"]
