"""What changed between two deployments, as a process owner reads it: form fields, re-pointed flows,
and for each change the element and file a viewer marks it on."""

from __future__ import annotations

from engine.process.diff import Change
from engine.process.diff import diff_bundles
from tests.engine.helpers import mini_files

MINUTES = b'<camunda:formField id="minutes" label="Minutes" type="string">'
MINUTES_CHECKS = b'<camunda:constraint name="maxlength" config="2000" />'
NEW_FIELD = (
    b'<camunda:formField id="venue" label="Where the committee met" type="string">'
    b'<camunda:validation><camunda:constraint name="required" /></camunda:validation>'
    b"</camunda:formField>"
)


def changed(*edits: tuple[bytes, bytes]) -> list[Change]:
    """The diff of the mini review against itself with `edits` made to mini.bpmn."""
    old = mini_files()
    new = dict(old)
    for before, after in edits:
        assert before in new["mini.bpmn"], before
        new["mini.bpmn"] = new["mini.bpmn"].replace(before, after, 1)
    return diff_bundles(old, new)


def descriptions(changes: list[Change], kind: str) -> list[str]:
    return [c.description for c in changes if c.kind == kind]


def test_the_same_files_have_no_changes() -> None:
    assert changed() == []


def test_a_new_required_field_is_listed_on_its_task() -> None:
    [change] = changed((MINUTES, NEW_FIELD + MINUTES))
    assert change.kind == "form" and change.element_id == "Task_committee"
    assert change.description == (
        "form field venue (“Where the committee met”, string, required) added"
    )
    assert change.element_name == "Decide whether the criteria are met"
    assert change.marker == "changed"
    assert (change.file, change.old_file) == ("mini.bpmn", "mini.bpmn")


def test_a_removed_field_is_listed() -> None:
    start = b'<camunda:formField id="minutes"'
    end = b"</camunda:formField>"
    old = mini_files()["mini.bpmn"]
    begin = old.index(start)
    field = old[begin : old.index(end, begin) + len(end)]
    assert descriptions(changed((field, b"")), "form") == [
        "form field minutes (“Minutes”) removed"
    ]


def test_a_field_made_required_relabelled_and_retyped_is_one_change() -> None:
    changes = changed(
        (MINUTES, b'<camunda:formField id="minutes" label="Notes" type="long">'),
        (MINUTES_CHECKS, b'<camunda:constraint name="required" />' + MINUTES_CHECKS),
    )
    assert descriptions(changes, "form") == [
        "form field minutes changed: label “Minutes” → “Notes”; type string → long; now required"
    ]


def test_a_field_no_longer_required_and_other_checks_are_listed() -> None:
    attendees = b'<camunda:constraint name="required" /><camunda:constraint name="min" config="3" />'
    changes = changed((attendees, b'<camunda:constraint name="min" config="4" />'))
    assert descriptions(changes, "form") == [
        "form field attendees changed: no longer required; checks min=3 → min=4"
    ]


def test_changed_choices_of_a_field_are_listed() -> None:
    changes = changed(
        (
            b'<camunda:value id="no_scr" name="Criteria not met" />',
            b'<camunda:value id="no_scr" name="Criteria not met" />'
            b'<camunda:value id="later" name="Decide later" />',
        )
    )
    assert descriptions(changes, "form") == [
        "form field decision changed: choices scr, no_scr → scr, no_scr, later"
    ]


def test_a_re_pointed_flow_says_where_it_goes_now_and_went_before() -> None:
    changes = changed(
        (
            b'id="Flow_esc" sourceRef="Timer_committee_overdue" targetRef="Task_escalate"',
            b'id="Flow_esc" sourceRef="Timer_committee_overdue" targetRef="End_no_scr"',
        )
    )
    [flow] = [c for c in changes if c.kind == "flow"]
    assert flow.element_id == "Flow_esc" and flow.marker == "changed"
    assert flow.description.startswith(
        "re-pointed: now from “5 working days passed” to “End_no_scr” "
        "(was from “5 working days passed” to “"
    )


def test_a_changed_default_flow_is_listed_on_its_gateway() -> None:
    changes = changed(
        (
            b'name="Recommendation?" default="Flow_no_scr"',
            b'name="Recommendation?" default="Flow_scr"',
        )
    )
    [flow] = [c for c in changes if c.kind == "flow"]
    assert flow.element_id == "Gateway_decision"
    assert flow.description == (
        "default flow: the flow to “End_no_scr” → "
        "the flow to “Write the agency's involvement report”"
    )


def test_added_and_removed_elements_are_marked_on_the_version_that_has_them() -> None:
    changes = changed(
        (b'<bpmn:endEvent id="End_no_scr">', b'<bpmn:endEvent id="End_not_held">'),
        (b'targetRef="End_no_scr"', b'targetRef="End_not_held"'),
    )
    by_id = {c.element_id: c for c in changes}
    added, removed = by_id["End_not_held"], by_id["End_no_scr"]
    assert (added.kind, added.marker, added.file, added.old_file) == (
        "added",
        "added",
        "mini.bpmn",
        "",
    )
    assert (removed.marker, removed.file, removed.old_file) == (
        "removed",
        "",
        "mini.bpmn",
    )
    assert by_id["Flow_no_scr"].kind == "flow"  # re-pointed to the new end


def test_a_new_process_is_one_change_in_its_own_file() -> None:
    old = mini_files()
    new = {
        **old,
        "copy.bpmn": old["mini.bpmn"].replace(b"Process_mini", b"Process_copy"),
    }
    [change] = diff_bundles(old, new)
    assert change.whole_process and change.kind == "added"
    assert (change.process_id, change.file) == ("Process_copy", "copy.bpmn")
    [gone] = diff_bundles(new, old)
    assert gone.kind == "removed" and gone.old_file == "copy.bpmn"
