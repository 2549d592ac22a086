"""Legal review, the Board's approval (seed 002 §8.2, §8.4) and publication (§8, §8.5 to §8.7)."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest

from engine.errors import WorkflowFailed
from tests.process import journey
from tests.process.mail import report_pdf
from tests.process.mail import send_outbox
from tests.process.marks import branch_test
from tests.process.scenario import Scenario
from tests.process.scenario import end_of
from tests.process.scenario import london

pytestmark = branch_test

LEGAL = "Check the report complies with data protection and publication restrictions"
REVISE = "Revise the overview report"
BOARD = "Record the Board's decision on the overview report"
REINSTATE = "Reinstate the SCR Panel and agree the further work"
PUBLISH_DECISION = "Decide whether to publish the overview report"
ADVICE = "Record the National Panel's advice and decide what to publish"
PREPARE = "Prepare the report for publication"
SHARING = "Agree how the report is shared with the family and staff"
PUBLISH = "Publish the report on the Board website"
READY = "Agree the revised report is ready for the Board"
AMENDED = "Confirm the report is amended as the Board agreed"


def _up_to_approval(s: Scenario) -> None:
    journey.through(s, "review")
    s.new_notifications()  # what those phases sent is checked in their own tests


def test_a_report_that_fails_legal_review_is_revised_before_the_board_sees_it(
    scenario: Scenario,
):
    s = scenario
    _up_to_approval(s)
    s.move_to(london(date(2026, 6, 15)))
    s.complete(
        LEGAL,
        as_="legal",
        legal_report_compliant="no",
        legal_advice="Section 4 names a teacher; anonymise it.",
    )
    assert s.new_notifications() == {}  # the Board does not get a report that fails
    s.assert_offered(REVISE, to=["reviewer"], not_to=["legal", "panelchair"])
    form = s.engine.tasks.open(s.users["reviewer"], s.task(REVISE, "reviewer").id)
    assert form.values["legal_advice"] == "Section 4 names a teacher; anonymise it."
    s.complete(REVISE, as_="reviewer")
    s.complete(READY, as_="panelchair", revised_report_ready="yes")
    assert s.new_notifications() == {}  # no delay at the Board to report
    s.assert_offered(LEGAL, to=["legal"])
    journey.approval(s)
    s.assert_offered(PUBLISH_DECISION, to=["chair"])
    s.assert_records_intact()


def test_the_board_sends_the_report_back_to_a_reinstated_panel_as_often_as_it_needs(
    scenario: Scenario,
):
    s = scenario
    _up_to_approval(s)
    s.move_to(london(date(2026, 6, 15)))
    s.assert_offered(LEGAL, to=["legal"])
    s.complete(LEGAL, as_="legal", legal_report_compliant="yes")
    assert s.new_notifications() == {"board_overview_report": ["board", "chair"]}
    s.assert_offered(BOARD, to=["chair"])
    for meeting, further_work in [
        (date(2026, 7, 1), "Say how the agencies will check the changes."),
        (date(2026, 9, 2), "Add the family's response to the findings."),
    ]:
        s.move_to(london(meeting))
        s.complete(
            BOARD,
            as_="chair",
            board_decision="further_work",
            board_further_work=further_work,
            **journey.AIDE_MEMOIR,
        )
        assert s.new_notifications() == {
            "national_panel_board_delay": ["contact:national_panel"]
        }
        s.assert_offered(REINSTATE, to=["panelchair"], not_to=["chair", "reviewer"])
        form = s.engine.tasks.open(
            s.users["panelchair"], s.task(REINSTATE, "panelchair").id
        )
        assert form.values["board_further_work"] == further_work
        s.complete(REINSTATE, as_="panelchair")
        s.complete(REVISE, as_="reviewer")
        s.assert_offered(READY, to=["panelchair"], not_to=["legal", "chair"])
        s.complete(READY, as_="panelchair", revised_report_ready="yes")
        assert s.new_notifications() == {  # told at each stage of the delay
            "national_panel_report_ready_again": ["contact:national_panel"]
        }
        s.complete(LEGAL, as_="legal", legal_report_compliant="yes")
        assert s.new_notifications() == {"board_overview_report": ["board", "chair"]}
        s.assert_offered(BOARD, to=["chair"])
    s.move_to(london(date(2026, 11, 4)))
    s.complete(BOARD, as_="chair", board_decision="approved", **journey.AIDE_MEMOIR)
    s.assert_offered(PUBLISH_DECISION, to=["chair"])
    steps = [step.name for step in s.view().completed_steps]
    assert (steps.count(REINSTATE), steps.count(BOARD)) == (2, 3)
    s.assert_records_intact()


def test_a_report_approved_subject_to_amendments_is_approved_once_they_are_made(
    scenario: Scenario,
):
    s = scenario
    _up_to_approval(s)
    s.move_to(london(date(2026, 6, 15)))
    s.complete(LEGAL, as_="legal", legal_report_compliant="yes")
    s.move_to(london(date(2026, 7, 1)))
    s.complete(
        BOARD,
        as_="chair",
        board_decision="approved_with_amendments",
        board_amendments="Name the GP practice by role only.",
        **journey.AIDE_MEMOIR,
    )
    task = s.assert_offered(AMENDED, to=["chair"])
    shown = s.engine.tasks.open(s.users["chair"], task.id).values
    assert shown["board_amendments"] == "Name the GP practice by role only."
    assert s.open_tasks() == [AMENDED]  # neither publication nor learning yet
    s.move_to(london(date(2026, 7, 3)))
    s.complete(AMENDED, as_="chair")
    assert s.data["amendments_confirmed_on"] == "2026-07-03"
    s.assert_offered(PUBLISH_DECISION, to=["chair"])
    assert journey.SET_UP_REGISTER in s.open_tasks()  # approved: learning starts
    s.assert_records_intact()


def test_the_reinstated_panel_sends_a_revision_back_until_it_is_ready_for_the_board(
    scenario: Scenario,
):
    s = scenario
    _up_to_approval(s)
    s.move_to(london(date(2026, 6, 15)))
    s.complete(LEGAL, as_="legal", legal_report_compliant="yes")
    s.move_to(london(date(2026, 7, 1)))
    s.complete(
        BOARD,
        as_="chair",
        board_decision="further_work",
        board_further_work="Add the family's response.",
        **journey.AIDE_MEMOIR,
    )
    s.complete(REINSTATE, as_="panelchair")
    s.complete(REVISE, as_="reviewer", revision_notes="Family response added.")
    s.new_notifications()
    s.complete(
        READY,
        as_="panelchair",
        revised_report_ready="no",
        revised_report_panel_view="The family's words are paraphrased; quote them.",
    )
    assert s.new_notifications() == {}  # the National Panel hears when it is ready
    s.assert_offered(REVISE, to=["reviewer"])
    assert LEGAL not in s.open_tasks()
    s.complete(REVISE, as_="reviewer", revision_notes="The family's words quoted.")
    s.complete(
        READY,
        as_="panelchair",
        revised_report_ready="yes",
        board_presentation_on="2026-09-02",
    )
    [ready] = [
        n
        for n in s.notifications()
        if n.template == "national_panel_report_ready_again"
    ]
    assert "Board meeting the report goes to: 2 September 2026" in ready.body
    assert "The family's words quoted." in ready.body
    s.assert_offered(LEGAL, to=["legal"])
    s.assert_records_intact()


@pytest.mark.parametrize("form", ["redacted_report", "lessons_learned_report"])
def test_not_publishing_asks_the_national_panel_and_publishes_a_redacted_or_lessons_learned_report(
    scenario: Scenario, form: str
):
    s = scenario
    _up_to_approval(s)
    journey.approval(s)
    s.new_notifications()  # checked in test_the_report_is_published_...
    s.move_to(london(date(2026, 7, 2)))
    s.complete(
        PUBLISH_DECISION,
        as_="chair",
        publish_decision="do_not_publish",
        publication_held_for_proceedings="no",
        non_publication_reasons="Publication would harm the surviving sibling.",
    )
    assert s.new_notifications() == {
        "national_panel_non_publication": ["contact:national_panel"]
    }
    s.assert_offered(ADVICE, to=["chair"], not_to=["bqam"])
    s.complete(ADVICE, as_="chair", publication_form=form)
    prepare = s.task("Prepare the report for publication", "bqam")
    shown = s.engine.tasks.open(s.users["bqam"], prepare.id).values
    assert shown["publication_form"] == form
    journey.prepare_and_publish(s)
    assert s.data["publication_form"] == form
    s.assert_records_intact()


def test_the_report_is_published_a_week_after_the_national_panel_has_it_and_shared_with_family_and_staff(
    scenario: Scenario,
):
    s = scenario
    _up_to_approval(s)
    journey.approval(s)
    assert s.new_notifications() == {"board_overview_report": ["board", "chair"]}
    s.move_to(london(date(2026, 7, 2)))
    s.assert_offered(PUBLISH_DECISION, to=["chair"])
    s.complete(
        PUBLISH_DECISION,
        as_="chair",
        publish_decision="publish",
        publication_held_for_proceedings="no",
    )
    s.move_to(london(date(2026, 7, 6)))
    s.assert_offered(PREPARE, to=["bqam"])
    s.complete(
        PREPARE,
        as_="bqam",
        executive_summary_positions_only="no",
        files={"publication_document": ("report.pdf", report_pdf())},
    )
    assert s.new_notifications() == {}  # nothing goes before the Chair sends the report
    s.assert_offered(journey.SEND_TO_NATIONAL_PANEL, to=["chair"], not_to=["bqam"])
    s.complete(journey.SEND_TO_NATIONAL_PANEL, as_="chair")
    assert s.new_notifications() == {
        "national_panel_report_before_publication": ["contact:national_panel"]
    }
    send_outbox(s)
    s.move_to(london(date(2026, 7, 7)))
    s.complete(
        "Agree the media strategy for publication",
        as_="chair",
        media_strategy_meeting_held="yes",
    )
    journey.members_give_views(
        s, journey.SHARING_ADVICE, staff_sharing_member_advice="panel_members"
    )
    s.assert_offered(SHARING, to=journey.PANEL)
    s.complete(SHARING, as_="panelchair", staff_sharing_method="panel_members")
    assert s.new_notifications() == {
        "family_report_sharing": ["contact:family"],
        "staff_report_sharing": journey.PANEL_MEMBERS,
    }
    s.move_to(end_of(date(2026, 7, 13)))  # a week after the report went to the Panel
    assert s.open_tasks() == [journey.SET_UP_REGISTER]  # learning began at approval
    s.move_to(london(date(2026, 7, 14)))
    s.assert_offered(PUBLISH, to=["bqam"])
    s.complete(PUBLISH, as_="bqam")
    assert s.data["published_on"] == "2026-07-14"
    assert s.new_notifications() == {}
    s.assert_records_intact()


def _prepared_and_sent(s: Scenario, report: bytes, note: str = "") -> None:
    """Board approval, publication decided on 2 July, the report prepared on Mon 6 July at 16:00 and
    sent by the Independent Chair (the system e-mails it)."""
    _up_to_approval(s)
    journey.approval(s)
    s.move_to(london(date(2026, 7, 2)))
    s.complete(
        PUBLISH_DECISION,
        as_="chair",
        publish_decision="publish",
        publication_held_for_proceedings="no",
    )
    s.move_to(london(date(2026, 7, 6), 16))  # Monday
    s.complete(
        PREPARE,
        as_="bqam",
        executive_summary_positions_only="yes",
        files={"publication_document": ("report.pdf", report)},
    )
    task = s.task(journey.SEND_TO_NATIONAL_PANEL, "chair")
    form = s.engine.tasks.open(s.users["chair"], task.id)
    assert form.values["publication_document"] == s.data["publication_document"]
    s.complete(
        journey.SEND_TO_NATIONAL_PANEL, as_="chair", national_panel_covering_note=note
    )


def test_the_national_panel_receives_the_report_attached_and_the_week_counts_from_its_delivery(
    scenario: Scenario,
):
    s = scenario
    report = report_pdf(pages=2)
    _prepared_and_sent(s, report, note="Publication is planned for mid-July.")
    [mail] = [
        n
        for n in s.notifications()
        if n.template == "national_panel_report_before_publication"
    ]
    assert mail.attachments == ("report.pdf",) and mail.status == "queued"
    assert "it is attached (report.pdf)" in mail.body
    assert "Publication is planned for mid-July." in mail.body
    assert "the full overview report" in mail.body  # a word, not full_report
    # The mail has not gone yet (the worker has not run, or the mail server is down): nothing counts.
    s.move_to(london(date(2026, 7, 8), 16))  # Wednesday
    assert "national_panel_report_sent_on" not in s.data
    assert "Event_national_panel_report_delivered" in s.view().active_elements
    [sent] = [m for m in send_outbox(s) if "report before publication" in m["Subject"]]
    [attached] = list(sent.iter_attachments())
    assert attached.get_filename() == "report.pdf"
    assert attached.get_content_type() == "application/pdf"
    assert attached.get_content() == report  # byte for byte
    assert s.data["national_panel_report_sent_on"] == "2026-07-08"
    s.complete(
        "Agree the media strategy for publication",
        as_="chair",
        media_strategy_meeting_held="yes",
    )
    journey.members_give_views(
        s, journey.SHARING_ADVICE, staff_sharing_member_advice="briefing"
    )
    s.complete(
        "Agree how the report is shared with the family and staff",
        as_="panelchair",
        staff_sharing_method="briefing",
    )
    s.move_to(end_of(date(2026, 7, 15)))  # the following Wednesday, last second
    assert s.open_tasks() == [journey.SET_UP_REGISTER]  # learning began at approval
    s.move_to(london(date(2026, 7, 16), 0, 0, 1))
    s.assert_offered(PUBLISH, to=["bqam"])
    history = s.engine.cases.history(s.users["auditor"], s.reference or "")
    [delivered] = [e for e in history if e.type == "message_received"]
    assert delivered.data["payload"]["sent_on"] == "2026-07-08"
    [sent_event] = [
        e
        for e in history
        if e.type == "notification_sent" and e.data.get("attachments")
    ]
    assert sent_event.data["attachments"] == [
        {"filename": "report.pdf", "sha256": hashlib.sha256(report).hexdigest()}
    ]
    s.assert_records_intact()


def test_a_report_that_is_not_a_document_of_the_case_stops_the_sending_and_keeps_everything(
    scenario: Scenario,
):
    s = scenario
    _up_to_approval(s)
    journey.approval(s)
    s.move_to(london(date(2026, 7, 2)))
    s.complete(
        PUBLISH_DECISION,
        as_="chair",
        publish_decision="publish",
        publication_held_for_proceedings="no",
    )
    s.move_to(london(date(2026, 7, 6)))
    # no file chosen: the test fills the required file field with text, so no document stands behind it
    s.complete(PREPARE, as_="bqam", executive_summary_positions_only="yes")
    s.new_notifications()
    with pytest.raises(WorkflowFailed) as failed:
        s.complete(journey.SEND_TO_NATIONAL_PANEL, as_="chair")
    assert "must carry “Document to publish”" in str(failed.value)
    assert "Upload the document in “" in str(failed.value)
    assert "nothing was saved" in str(failed.value)
    assert s.new_notifications() == {}  # no mail without the report it announces
    s.assert_offered(journey.SEND_TO_NATIONAL_PANEL, to=["chair"])
    s.assert_records_intact()


def test_a_report_the_mail_server_refuses_keeps_publication_waiting_until_it_is_sent_another_way(
    scenario: Scenario,
):
    s = scenario
    _prepared_and_sent(s, report_pdf())
    s.new_notifications()
    send_outbox(s, refused="The mail server answered 552 message too large")
    [mail] = [
        n
        for n in s.notifications()
        if n.template == "national_panel_report_before_publication"
    ]
    assert mail.status == "failed" and "552 message too large" in (
        mail.last_error or ""
    )
    [alert] = [
        n
        for n in s.notifications()
        if n.template == "notification_failed" and mail.subject in n.subject
    ]
    assert alert.address == "bqam@scr.example.org"
    assert "The case waits until this message has been delivered." in alert.body
    s.move_to(london(date(2026, 7, 20)))  # two weeks on: still not published
    assert PUBLISH not in s.open_tasks()
    assert "national_panel_report_sent_on" not in s.data
    # the manager sends the report by secure e-mail on 20 July and records it
    s.record("national_panel_report_delivered", as_="bqam", on="2026-07-20")
    assert s.data["national_panel_report_sent_on"] == "2026-07-20"
    journey.members_give_views(
        s, journey.SHARING_ADVICE, staff_sharing_member_advice="briefing"
    )
    s.complete(
        "Agree the media strategy for publication",
        as_="chair",
        media_strategy_meeting_held="yes",
    )
    s.complete(SHARING, as_="panelchair", staff_sharing_method="briefing")
    s.move_to(end_of(date(2026, 7, 27)))
    assert PUBLISH not in s.open_tasks()
    s.move_to(london(date(2026, 7, 28)))
    s.assert_offered(PUBLISH, to=["bqam"])
    s.assert_records_intact()
