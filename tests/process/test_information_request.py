"""A Freedom of Information or data protection request about a review (seed 002 §10)."""

from __future__ import annotations

from tests.process.marks import branch_test
from tests.process.scenario import Scenario

pytestmark = branch_test

ADVISE = "Advise the Board on the request"
RESPOND = "Respond to the request"


def test_a_request_for_review_documents_gets_legal_advice_at_once_before_the_board_answers(
    scenario: Scenario,
):
    s = scenario
    startable = {
        user: [f.process_id for f in s.engine.cases.start_forms(s.users[user])]
        for user in ("bqam", "secretariat", "panelchair", "legal", "auditor")
    }
    assert startable == {
        "bqam": ["Process_information_request", "Process_scr_review"],
        "secretariat": ["Process_information_request", "Process_scr_review"],
        "panelchair": [],
        "legal": [],
        "auditor": [],
    }
    s.start(
        "Process_information_request",
        as_="secretariat",
        related_case_reference="SCR-2025-0007",
        request_received_on="2026-03-02",
        request_type="foi",
        requested_material=["imr", "chronology"],
    )
    assert s.new_notifications() == {"information_request_legal_advice": ["legal"]}
    s.assert_offered(ADVISE, to=["legal"], not_to=["bqam", "secretariat"])
    s.clock.advance(days=2)
    s.complete(ADVISE, as_="legal", disclosure_recommendation="withhold")
    task = s.assert_offered(RESPOND, to=["bqam"], not_to=["legal", "secretariat"])
    shown = s.engine.tasks.open(s.users["bqam"], task.id).values
    assert shown["disclosure_recommendation"] == "withhold"
    s.complete(RESPOND, as_="bqam", disclosure_recommendation="disclose")
    case = s.view()
    assert case.summary.status == "completed"
    assert (
        case.data["disclosure_recommendation"] == "withhold"
    )  # read-only for the BQAM
    assert case.data["response_sent_on"] == "2026-03-04"
    s.assert_records_intact()
