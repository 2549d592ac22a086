"""People in a chronology, and its anonymised reading: each name replaced by a role.

The people are those the entries name (practitioners, and everybody listed as seen, each with their
role) and the child as the case recorded them. Each person gets one label for the whole case: a
practitioner is numbered within their role ("Health visitor 1", "Health visitor 2"); a family member
keeps their role ("Mother", "Child"), numbered only when two people share it ("Sibling 1"); the
child as the case recorded them is "Child" wherever the entries name them that way. In the
free text, full names are replaced first, then each single given or family name that belongs to one
person only; a name part shared by several people (a family name) becomes "[name]".
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

HIDDEN = "[name]"


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    role: str
    label: str
    practitioner: bool


def _key(name: str) -> str:
    return " ".join(name.casefold().split())


def people(
    practitioners: Iterable[tuple[str, str]],
    seen: Iterable[tuple[str, str]],
    child_names: Iterable[str] = (),
) -> dict[str, Person]:
    """Everybody named, by normalised name, with their label (in order of first appearance)."""
    found: dict[str, tuple[str, str, bool]] = {}
    for name, role in practitioners:
        if name.strip():
            found.setdefault(
                _key(name), (name.strip(), role.strip() or "Practitioner", True)
            )
    for name, role in seen:
        if name.strip():
            found.setdefault(
                _key(name), (name.strip(), role.strip() or "Person", False)
            )
    shared = Counter(
        (_key(role), practitioner) for _n, role, practitioner in found.values()
    )
    counters: Counter[tuple[str, bool]] = Counter()
    labelled = {}
    for key, (name, role, practitioner) in found.items():
        group = (_key(role), practitioner)
        counters[group] += 1
        title = role[:1].upper() + role[1:]
        numbered = practitioner or shared[group] > 1
        label = f"{title} {counters[group]}" if numbered else title
        labelled[key] = Person(name, role, label, practitioner)
    # The child as the case recorded them: "Child" wherever the entries name them otherwise.
    for name in child_names:
        if name.strip() and _key(name) not in labelled:
            labelled[_key(name)] = Person(name.strip(), "Child", "Child", False)
    return labelled


class Anonymiser:
    """Replaces the names of `people` in text by their labels."""

    def __init__(self, everyone: dict[str, Person]) -> None:
        self.people = everyone
        replacements: dict[str, str] = {}
        for person in everyone.values():
            replacements[_key(person.name)] = person.label
        owners: dict[str, set[str]] = {}
        for person in everyone.values():
            for part in re.findall(r"[^\W\d_][\w'’-]*", person.name):
                if len(part) > 1:
                    owners.setdefault(part.casefold(), set()).add(person.label)
        for part, labels in owners.items():
            if part not in replacements:
                replacements[part] = labels.pop() if len(labels) == 1 else HIDDEN
        self.replacements = replacements
        names = sorted(replacements, key=len, reverse=True)
        words = [r"\s+".join(map(re.escape, n.split())) for n in names]
        self.pattern = (
            re.compile(r"(?<!\w)(" + "|".join(words) + r")(?!\w)", re.IGNORECASE)
            if words
            else None
        )

    def text(self, value: str) -> str:
        if self.pattern is None or not value:
            return value
        return self.pattern.sub(lambda m: self.replacements[_key(m.group(0))], value)

    def label(self, name: str, role: str) -> str:
        person = self.people.get(_key(name))
        return person.label if person is not None else role
