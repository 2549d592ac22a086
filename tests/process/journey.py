"""The standard case, phase by phase: what the full-case test walks and the branch tests start from.

A child died on Friday 27 February 2026; the police notified the Board on Monday 2 March. The police
and community health services were involved. Each function does one phase the way the seed says it
goes when nothing goes wrong, on the dates of the plan below. Branch tests run the phases before
theirs, then take their own turn.

Journey phases act; they check nothing. Who got each task, by when, and which messages were queued
on the way is checked where a test asks for it: in the tests of that phase (test_notification.py for
the notification and information gathering, test_committee.py, and so on), so that a regression in
one phase fails the tests of that phase, not every test that passes through it. The messages a phase
queues stay unread: a test that checks `new_notifications()` after running phases reads (and drops)
what came before first.

| when (2026)        | what                                                                  |
|--------------------|-----------------------------------------------------------------------|
| Mon 2 March        | incident notified; Ofsted notification considered on Wed 4 March       |
| 5 to 17 March      | committee arranged for Mon 23 March; agencies report; papers sent      |
| Mon 23 March       | Committee assesses and recommends; recommendation sent the same day    |
| Wed 25, Thu 26 Mar | Chair decides (due Mon 30 March), peer review                          |
| 27 March to 1 April| Panel set up; terms of reference with agency reports due Fri 24 April  |
| 20 to 24 April     | agency reports written, signed off, accepted; chronology combined      |
| 28 April to 10 June| first Panel meeting, family, learning event, draft, final draft agreed |
| 15 June, 1 July    | legal review, Board approves                                           |
| 2 to 14 July       | publication decided, report to the National Panel, published 14 July   |
| from 20 July       | learning: one monitored action per recommendation, signed off          |
"""

from __future__ import annotations

from datetime import date

from engine.db.demo import AGENCIES as AGENCY_NAMES
from tests.process.mail import report_pdf
from tests.process.mail import send_outbox
from tests.process.scenario import Scenario
from tests.process.scenario import end_of
from tests.process.scenario import london


def involvement(agency: str) -> str:
    """The agency's involvement report, named for the agency as its diagram renders it."""
    return f"Secure the files of {AGENCY_NAMES[agency]} and report its involvement"


def progress(number: int) -> str:
    """The agency's progress report on one recommendation, named for its number."""
    return f"Report progress on recommendation {number} with evidence"


def review_progress(number: int) -> str:
    """The Sub Group's review of the progress on one recommendation."""
    return f"Review the progress on recommendation {number}"


AGENCIES = ["police", "community_health"]
STANDARD_START = {
    "incident_notified_on": "2026-03-02",
    "notifying_agency": "police",
    "incident_type": "death",
    "incident_date": "2026-02-27",
    "child_status": "child_protection",
    "agencies": AGENCIES,
}
PANEL_AGENCIES = ["police", "community_health", "childrens_social_care", "education"]
AIDE_MEMOIR = {
    "aide_review_open": "yes",
    "aide_agency_learning": "yes",
    "aide_board_learning": "yes",
    "aide_family_consulted": "yes",
    "aide_findings_coherent": "yes",
    "aide_recommendations_accepted": "yes",
    "aide_board_can_monitor": "yes",
}
TERMS_OF_REFERENCE = {
    "tor_good_practice_acknowledged": "yes",
    "tor_report_statement": "yes",
    "tor_publication_statement": "yes",
    "imr_due_on": "2026-04-24",
    "review_period_from": "2024-09-01",
    "review_period_to": "2026-02-27",
}
PANEL = ["panelchair"]
PANEL_MEMBERS = ["health_panel", "police_panel"]
# The case team the set-up tasks appoint (bpmn/README.md, "Case team"): the demo users.
PANEL_TEAM = {
    "panel_chair_user": "panelchair",
    "panel_member_users": "police_panel, health_panel",
}
REVIEWER_TEAM = {"reviewer_user": "reviewer"}
AUTHOR_OF = {
    "police": "police_author",
    "community_health": "health_author",
    "childrens_social_care": "csc_author",
    "education": "education_author",
}
MANAGER_OF = {
    "police": "police_manager",
    "community_health": "health_manager",
    "childrens_social_care": "csc_manager",
    "education": "education_manager",
}

# Named for each agency by its diagram ("Write the West Yorkshire Police report ..."): see scenario.named.
WRITE_REPORT = "Write the {agency} report (IMR or chronology with analysis)"
QA_REPORT = "Quality-assure the {agency} report for the Panel"
SIGN_OFF_REPORT = "Sign off the {agency} report"
AUTHOR_INDEPENDENT = {"author_independence_confirmed": "yes"}
REPORT_ACCEPTED = {  # follows the template, accepted, no conduct concerns
    "agency_report_headings_followed": "yes",
    "agency_report_accepted": "yes",
    "conduct_concerns_raised": "no",
}
MEETING_ON_DRAFT = "Hold the Panel meeting on the draft"
NO_REQUESTS = {  # a Panel meeting that changes nothing and asks agencies for nothing
    "tor_change_proposed": "no",
    "further_information_needed": "no",
}
SET_UP_REGISTER = "Set up the register of progress against the recommendations"
SEND_TO_NATIONAL_PANEL = "Send the report to the National Panel"
ANNUAL_REPORT = "Describe the review's impact for the Board's annual report"
FAMILY_LETTER = "Agree the letter to the family"
AGREE_REVIEWER = "Agree the reviewer's appointment for the Panel"
REVIEWER_VIEW = "Give your view on the reviewer's appointment"
DRAFT_TERMS = "Draft the terms of reference"
TERMS_VIEW = "Give your view on the draft terms of reference"
AGREE_TERMS = "Agree the terms of reference with the Panel"
SHARING_ADVICE = "Advise how your agency's staff see the report"
SIGN_FAMILY_LETTER = "Sign the letter to the family with the Panel Chair"
LSCB_CHECK = "Check that the child normally lives in the Board's area"
THIS_BOARD_RESPONSIBLE = {
    "child_normally_lives_in": "Calderdale",
    "board_responsible": "yes",
}
AGREE_METHODOLOGY_AS = {
    "chair": "Agree the review methodology as Independent Chair",
    "bqam": "Agree the review methodology as Business and Quality Assurance Manager",
}


def notification(s: Scenario, ofsted: str = "yes", **start: object) -> None:
    """§3.1: the BQAM starts the case and confirms the child lives in the Board's area (Appendix 5);
    the S&QA Service Manager considers notifying Ofsted."""
    s.start(**{**STANDARD_START, **start})
    s.complete(LSCB_CHECK, as_="bqam", **THIS_BOARD_RESPONSIBLE)
    s.move_to(london(date(2026, 3, 4)))
    s.complete(
        "Consider notifying Ofsted of the serious incident",
        as_="sqa",
        sin_child_death="yes",
        ofsted_notification_required=ofsted,
    )


def information_gathering(s: Scenario) -> None:
    """§3.2: Committee arranged for 23 March; each agency reports; papers circulated."""
    s.move_to(london(date(2026, 3, 5)))
    s.complete(
        "Arrange the SCR Committee meeting",
        as_="secretariat",
        committee_meeting_on="2026-03-23",
    )
    s.move_to(london(date(2026, 3, 10)))
    agencies = s.data["agencies"]
    for agency in agencies:  # the author, or the senior manager, of each agency
        person = AUTHOR_OF[agency] if agency == "police" else MANAGER_OF[agency]
        s.complete(
            involvement(agency),
            as_=person,
            agency_files_secured="yes",
        )
    s.move_to(london(date(2026, 3, 17)))
    s.complete("Collate the agency information for the Committee", as_="secretariat")


def committee_assesses(s: Scenario, day: date = date(2026, 3, 23)) -> None:
    """§2.1, §3.3: the Committee assesses the case against the SCR criteria."""
    s.move_to(london(day, 10))
    s.complete(
        "Assess the case against the SCR criteria",
        as_="committee",
        incident_type=s.data["incident_type"],
        abuse_or_neglect="suspected",
        concern_about_joint_working="yes",
        died_in_custody="no",
    )


def committee_recommends(
    s: Scenario, outcome: str = "criteria_met", dissent: str | None = None
) -> None:
    """§3.3: the recommendation, with any dissent recorded, is sent to the Chair the same day."""
    s.complete(
        "Make the Committee's recommendation",
        as_="committee",
        committee_met_on=s.today().isoformat(),
        committee_outcome=outcome,
        committee_dissent="yes" if dissent else "no",
        committee_dissent_detail=dissent,
    )
    s.complete(
        "Send the recommendation, evidence and minutes to the Independent Chair",
        as_="committee",
    )


def committee(s: Scenario, outcome: str = "criteria_met") -> None:
    committee_assesses(s)
    committee_recommends(s, outcome)


def chair_decides(
    s: Scenario, decision: str = "yes", day: date = date(2026, 3, 25), **more: str
) -> None:
    """§3.4, Appendix 5: the Chair decides on `day`, then the peer review confirms the decision."""
    s.move_to(london(day))
    met = {"yes": "yes", "inconclusive": "inconclusive"}.get(decision, "no")
    fields = {"scr_criteria_met": met, **more}
    s.complete(
        "Decide whether the criteria are met and what the Board commissions",
        as_="chair",
        scr_decision=decision,
        **fields,
    )
    s.complete(
        "Record the peer review with another LSCB Chair",
        as_="chair",
        decision_confirmed="yes",
    )


def panel_setup(
    s: Scenario,
    chair: str = "panelchair",
    team: dict[str, str] = PANEL_TEAM,
    reviewer_team: dict[str, str] = REVIEWER_TEAM,
) -> None:
    """§4 to §4.4, §7.1: Panel of four agencies; its Chair approved; reviewer; ToR; family letter.

    The set-up appoints the case team: `team` (chair and members), `reviewer_team`; `chair` is the
    user name of the Panel Chair it appoints, who then does the Chair's tasks.
    """
    s.move_to(london(date(2026, 3, 27)))
    s.complete(
        "Establish the SCR Panel and nominate its chair",
        as_="bqam",
        panel_agencies=PANEL_AGENCIES,
        **team,
    )
    s.complete(
        "Approve the appointment of the SCR Panel Chair",
        as_="chair",
        panel_chair_approved="yes",
    )
    s.move_to(london(date(2026, 3, 30)))
    s.complete(
        "Appoint the independent reviewer and overview author",
        as_="bqam",
        **reviewer_team,
    )
    members_give_views(s, REVIEWER_VIEW, reviewer_member_view="agrees")
    s.complete(AGREE_REVIEWER, as_=chair, reviewer_agreed_by_panel="yes")
    s.complete(
        "Decide the review methodology",
        as_=chair,
        methodology="traditional_imr",
        imrs_requested="yes",
    )
    methodology_agreed(s)
    terms_of_reference_agreed(s, chair)
    s.move_to(london(date(2026, 4, 1)))
    s.complete(FAMILY_LETTER, as_=chair)
    s.complete(SIGN_FAMILY_LETTER, as_="chair")


def members_give_views(s: Scenario, name: str, **view: str) -> None:
    """§4: each Panel member who has the task `name` (their own instance) gives the same view."""
    for member in s.offered_to(name):
        s.complete(name, as_=member, **view)


def terms_of_reference_agreed(s: Scenario, chair: str = "panelchair") -> None:
    """§4.4: the Panel Chair drafts the terms of reference, the members agree, the Chair records it."""
    s.complete(DRAFT_TERMS, as_=chair, **TERMS_OF_REFERENCE)
    members_give_views(s, TERMS_VIEW, tor_member_view="agrees")
    s.complete(AGREE_TERMS, as_=chair, tor_agreed_by_panel="yes")


def methodology_agreed(s: Scenario) -> None:
    """§4.3: the Independent Chair and the BQAM each agree the Panel Chair's methodology."""
    s.complete(
        AGREE_METHODOLOGY_AS["chair"],
        as_="chair",
        methodology_agreed_by_independent_chair="yes",
    )
    s.complete(
        AGREE_METHODOLOGY_AS["bqam"], as_="bqam", methodology_agreed_by_bqam="yes"
    )


def agency_reports(s: Scenario, chair: str = "panelchair") -> None:
    """Appendix 2: authors briefed; each agency's report written, signed off, accepted; chronology.

    `chair`: the user name of the case's Panel Chair, who quality-assures the reports."""
    s.complete(
        "Brief the authors and the managers who sign off the reports", as_="bqam"
    )
    agencies = s.data["agencies"]
    for agency in agencies:
        s.move_to(london(date(2026, 4, 20)))
        s.complete(WRITE_REPORT, as_=AUTHOR_OF[agency], **AUTHOR_INDEPENDENT)
        s.complete(
            SIGN_OFF_REPORT,
            as_=MANAGER_OF[agency],
            agency_report_signed_off="yes",
        )
    s.move_to(london(date(2026, 4, 23)))
    for agency in agencies:
        members_give_views(s, report_view(agency), agency_report_member_view="accept")
        s.complete(QA_REPORT, as_=chair, of_agency=agency, **REPORT_ACCEPTED)
    s.move_to(london(date(2026, 4, 24)))
    s.complete(
        "Combine the agency chronologies into one multi-agency chronology",
        as_="secretariat",
    )


def report_view(agency: str) -> str:
    """The name of a Panel member's task to give their view on one agency's report."""
    return f"Give your view on the {AGENCY_NAMES[agency]} report"


def review(s: Scenario) -> None:
    """§5 to §7.1: first Panel meeting, family, learning event, a draft agreed at the next meeting."""
    s.move_to(london(date(2026, 4, 28)))
    s.complete("Hold the first SCR Panel meeting", as_="panelchair", **NO_REQUESTS)
    s.move_to(london(date(2026, 5, 5)))
    s.complete(
        "Involve the family in the review", as_="panelchair", family_contributes="yes"
    )
    s.complete(
        "Run the practitioner learning events or structured conversations",
        as_="reviewer",
        learning_event_record_checked="yes",
    )
    circulate_draft(s, date(2026, 6, 1))
    s.move_to(london(date(2026, 6, 9)))  # five working days later: 2, 3, 4, 5, 8 June
    s.complete(
        MEETING_ON_DRAFT, as_="panelchair", final_draft_agreed="yes", **NO_REQUESTS
    )
    s.move_to(london(date(2026, 6, 10)))
    s.complete(
        "Finalise the overview report and action plan for the Board",
        as_="panelchair",
    )


def circulate_draft(s: Scenario, day: date) -> None:
    """The reviewer writes and circulates a draft of the overview report on `day`."""
    s.move_to(london(day))
    s.complete("Write and circulate the draft overview report", as_="reviewer")


def approval(s: Scenario) -> None:
    """§8.2, §8.4, Appendix 3: legal review, then the Board approves with the Aide Memoir."""
    s.move_to(london(date(2026, 6, 15)))
    s.complete(
        "Check the report complies with data protection and publication restrictions",
        as_="legal",
        legal_report_compliant="yes",
    )
    s.move_to(london(date(2026, 7, 1)))
    s.complete(
        "Record the Board's decision on the overview report",
        as_="chair",
        board_decision="approved",
        **AIDE_MEMOIR,
    )


def publication(s: Scenario) -> None:
    """§8.5 to §8.7: publish; report to the National Panel a week before; media, family, staff."""
    s.move_to(london(date(2026, 7, 2)))
    s.complete(
        "Decide whether to publish the overview report",
        as_="chair",
        publish_decision="publish",
        publication_held_for_proceedings="no",
    )
    prepare_and_publish(s)


def prepare_and_publish(s: Scenario) -> None:
    """Prepared on Mon 6 July and sent to the National Panel; published on Tue 14 July, not before."""
    s.move_to(london(date(2026, 7, 6)))
    s.complete(
        "Prepare the report for publication",
        as_="bqam",
        executive_summary_positions_only="no",
        files={"publication_document": ("report.pdf", report_pdf())},
    )
    s.complete(SEND_TO_NATIONAL_PANEL, as_="chair")
    send_outbox(s)  # the worker e-mails the report today; the week counts from now
    s.move_to(london(date(2026, 7, 7)))
    s.complete(
        "Agree the media strategy for publication",
        as_="chair",
        media_strategy_meeting_held="yes",
    )
    members_give_views(s, SHARING_ADVICE, staff_sharing_member_advice="panel_members")
    s.complete(
        "Agree how the report is shared with the family and staff",
        as_="panelchair",
        staff_sharing_method="panel_members",
    )
    s.move_to(end_of(date(2026, 7, 13)))  # a week after the report went to the Panel
    s.move_to(london(date(2026, 7, 14)))
    s.complete("Publish the report on the Board website", as_="bqam")


def learning_register(
    s: Scenario, actions: dict[int, str], due: str = "2026-11-30"
) -> None:
    """§9: the Sub Group sets up the register; one action per recommendation, for its agency."""
    s.move_to(london(date(2026, 7, 20)))
    s.complete(
        "Set up the register of progress against the recommendations",
        as_="committee",
        recommendation_count=str(len(actions)),
    )
    for number, agency in actions.items():
        s.complete(
            "Record the recommendation and its SMART action",
            as_="committee",
            any_one=True,
            recommendation_number=str(number),
            multi_agency_recommendation="no",
            action_agency=agency,
            action_due_on=due,
        )


def learning(s: Scenario) -> None:
    """§9: one police action, reported complete, signed off; learning disseminated; plan signed off."""
    learning_register(s, {1: "police"})
    s.move_to(london(date(2026, 9, 1)))
    s.complete("Disseminate the learning", as_="committee", procedures_updated="Yes")
    s.move_to(london(date(2026, 11, 20)))
    s.complete(progress(1), as_="police_manager", action_complete="yes")
    s.complete(review_progress(1), as_="committee", action_signed_off="yes")
    s.move_to(london(date(2026, 12, 1)))
    s.complete("Sign off the completed action plan", as_="subgroup")
    s.complete(ANNUAL_REPORT, as_="committee", annual_report_year="2026-27")


def a_year_on_the_website(s: Scenario) -> None:
    """Twelve months after publication on 14 July 2026 the BQAM decides it comes down."""
    s.move_to(london(date(2027, 7, 15)))
    s.complete(
        "Decide whether the report stays on the website",
        as_="bqam",
        publication_after_12_months="on_request",
    )


def through(s: Scenario, last: str) -> None:
    """Run the standard case's phases in order, up to and including the phase named `last`."""
    phases = [
        ("notification", notification),
        ("information_gathering", information_gathering),
        ("committee", committee),
        ("chair_decides", lambda s: chair_decides(s, "yes")),
        ("panel_setup", panel_setup),
        ("agency_reports", agency_reports),
        ("review", review),
        ("approval", approval),
        ("publication", publication),
    ]
    for name, phase in phases:
        phase(s)
        if name == last:
            return
    raise ValueError(f"there is no phase {last!r}")
