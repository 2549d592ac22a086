"""Read a page as a person meets it, so that web tests assert behaviour rather than markup.

`read(response)` gives a `Page`: its title, headings, visible text and lines, links, buttons, tables,
definition lists, status tags, forms with their fields and values, and the errors shown on them.

Text comes in two kinds. What is *seen* (`text`, `lines`, headings, table cells, definitions, tags)
leaves out what only screen readers read; what *names* a control (links, buttons, labels, captions,
hints and error messages) is its accessible name, so it includes that hidden text: "Release “Decide”
of SCR-2026-0001" is the button a screen reader announces, where the eye sees "Release".

This module is the one place where the tests know how the pages are marked up: the class names of
GOV.UK Frontend and of the app's stylesheet, and what the app's JavaScript and print stylesheet do.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from dataclasses import replace
from typing import Any
from typing import NamedTuple

import lxml.html
from lxml.html import HtmlElement
from werkzeug.test import TestResponse

# --- What the markup means (webui/templates, webui/frontend/app.scss, webui/static/app.js) ---
# Read by screen readers, not shown.
VISUALLY_HIDDEN = "govuk-visually-hidden"
# `white-space: pre-line`: the text keeps its line breaks.
KEEPS_LINE_BREAKS = "app-pre-line"
# A status tag; its colour is a modifier class (govuk-tag--red), blue without one.
TAG = "govuk-tag"
TAG_COLOUR = re.compile(r"^govuk-tag--(\w+)$")
DEFAULT_TAG_COLOUR = "blue"
# The phase banner's tag ("Beta") says what the service is, not the status of anything on the page.
PHASE_TAG = "govuk-phase-banner__content__tag"
# The red border of a field in error: govuk-form-group--error, govuk-input--error, ...
ERROR_STYLE = re.compile(r"--error$")
# An error message starts with "Error:" for screen readers (visually hidden).
ERROR_PREFIX = re.compile(r"^Error:\s*")
# `@media print` in app.scss: these are left off the paper.
NOT_PRINTED = {
    "govuk-skip-link",
    "govuk-service-navigation",
    "govuk-footer",
    "govuk-back-link",
    "govuk-notification-banner",
    "govuk-phase-banner",
    "govuk-button",
    "app-no-print",
}
# app.js shows these (the "Print this record" buttons), hidden without JavaScript.
SHOWN_BY_JAVASCRIPT = "data-app-print"

BLOCKS = {
    "address", "article", "aside", "blockquote", "body", "caption", "dd", "details", "dialog",
    "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3",
    "h4", "h5", "h6", "header", "hr", "label", "legend", "li", "main", "nav", "ol", "p", "pre",
    "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
# Not text a reader meets: form controls' contents are their values (see Field).
NO_TEXT = {
    "head",
    "script",
    "style",
    "template",
    "noscript",
    "textarea",
    "select",
    "svg",
}
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def read(source: TestResponse | str) -> Page:
    """The page of a response (or of an HTML string)."""
    if isinstance(source, TestResponse):
        source = source.get_data(as_text=True)
    return Page(lxml.html.document_fromstring(source))


class Link(NamedTuple):
    text: str  # its accessible name
    href: str


class ErrorLink(NamedTuple):
    message: str
    field: str | None  # the id the summary's link jumps to; None when it links nowhere


class Option(NamedTuple):
    value: str
    label: str


@dataclass(frozen=True)
class Field:
    """A form field as a person meets it: what it is called, what describes it, what it holds."""

    name: str
    id: str | None
    # text, password, textarea, select, radio, checkbox, file, ...
    kind: str
    # Its label; for radios and checkboxes, the question their fieldset asks.
    label: str
    # The legend of the fieldset it is in (the "Date of the meeting" of a date's Day).
    question: str | None
    # What a screen reader reads with it (aria-describedby): its hint, its error.
    description: list[str]
    # The options of a select, radios or checkboxes.
    options: list[Option]
    # Typed text; the chosen radio (or None); the ticked checkboxes; the selected option.
    value: str | list[str] | None
    inputmode: str | None = None
    autocomplete: str | None = None
    accept: str | None = None
    multiple: bool = False

    @property
    def error(self) -> str | None:
        """The error message shown with the field (and read out with it), if any."""
        for text in self.description:
            if ERROR_PREFIX.match(text):
                return ERROR_PREFIX.sub("", text)
        return None


@dataclass(frozen=True)
class Form:
    action: str
    method: str  # get or post
    enctype: str
    buttons: list[str]
    hidden: dict[str, str]  # hidden inputs: name → value
    fields: dict[str, Field] = dataclass_field(default_factory=dict)

    @property
    def values(self) -> dict[str, str | list[str] | None]:
        return {name: field.value for name, field in self.fields.items()}


class Table(list[list[str]]):
    """The rows of a table's body, each a list of the texts of its cells."""

    def __init__(self, caption: str, header: list[str], rows: list[list[str]]) -> None:
        super().__init__(rows)
        self.caption = caption
        self.header = header

    def column(self, name: str) -> list[str]:
        index = self.header.index(name)
        return [row[index] for row in self if len(row) > index]

    def records(self) -> list[dict[str, str]]:
        """The rows as dicts: column header → cell text."""
        return [dict(zip(self.header, row, strict=False)) for row in self]

    def __repr__(self) -> str:
        return f"Table({self.caption!r}, {self.header!r}, {list(self)!r})"


class Page:
    """A page (or a part of one) as a person meets it."""

    def __init__(self, root: HtmlElement) -> None:
        self.root = root
        body = root.find("body") if root.tag == "html" else None
        self._content = body if body is not None else root

    # --- text ---

    @property
    def title(self) -> str:
        found = self.root.find(".//title")
        return _collapse(found.text_content()) if found is not None else ""

    @property
    def doctype(self) -> str:
        """The document type declaration: "<!DOCTYPE html>" for a page in standards mode."""
        return self.root.getroottree().docinfo.doctype

    def focused_on_load(self) -> str | None:
        """The accessible text of what takes the focus when the page loads (autofocus), if any:
        a screen reader starts reading there."""
        for element in self._content.xpath(".//*[@autofocus]"):
            focusable = element.tag in ("input", "select", "textarea", "button") or (
                element.get("tabindex") is not None
                or (element.tag == "a" and element.get("href") is not None)
            )
            if focusable and not _hidden(element):
                return _accessible(element)
        return None

    @property
    def lines(self) -> list[str]:
        """The visible text, line by line as the page shows it: blocks, <br> and kept line breaks
        start a new line; whitespace within a line is collapsed."""
        return _lines(self._content)

    @property
    def text(self) -> str:
        """The visible text with whitespace collapsed (lines joined by a space)."""
        return " ".join(self.lines)

    def headings(self, deepest: int = 2) -> list[str]:
        """The texts of the headings h1 … h`deepest`, in order."""
        levels = HEADINGS[:deepest]
        return [_visible(h) for h in self._content.iter(*levels) if not _hidden(h)]

    @property
    def heading(self) -> str:
        """The text of the page's h1."""
        [h1] = self.headings(1)
        return h1

    def section(self, heading: str) -> list[str]:
        """The visible lines of the main content under a heading, up to the next heading of the
        same or a higher level."""
        main = self._content.find(".//main")
        items = _render(main if main is not None else self._content)
        for start, item in enumerate(items):
            if isinstance(item, _Heading) and item.text == heading:
                lines = []
                for other in items[start + 1 :]:
                    if isinstance(other, _Heading) and other.level <= item.level:
                        break
                    if isinstance(other, str):
                        lines.append(other)
                return lines
        raise LookupError(f"no heading {heading!r} in {self.headings(6)}")

    def definitions(self) -> list[tuple[str, str]]:
        """The (term, description) pairs of the page's description lists, in order. A description
        keeps the line breaks the page shows, as "\\n"."""
        pairs = []
        for dl in self._content.iter("dl"):
            term = None
            for item in dl.iter("dt", "dd"):
                if item.tag == "dt":
                    term = _visible(item)
                elif term is not None and _nearest(item, "dl") is dl:
                    pairs.append((term, "\n".join(_lines(item))))
                    term = None
        return pairs

    def tags(self) -> list[str]:
        """The texts of the status tags ("Overdue", "Active", "Missed"), in order."""
        return [_visible(tag) for tag in self._tags()]

    def tag_colour(self, text: str) -> str:
        """The colour of the (first) status tag that says `text`."""
        for tag in self._tags():
            if _visible(tag) == text:
                colours = [
                    m.group(1) for c in _classes(tag) if (m := TAG_COLOUR.match(c))
                ]
                return colours[0] if colours else DEFAULT_TAG_COLOUR
        raise LookupError(f"no tag {text!r} in {self.tags()}")

    def tables(self) -> list[Table]:
        """Every visible table, in order."""
        return [_table(t) for t in self._content.iter("table") if not _hidden(t)]

    def table(self, which: str | int | None = None) -> Table:
        """A table by its caption (or the start of it), by its position, or the only one."""
        tables = self.tables()
        if which is None:
            assert len(tables) == 1, f"{len(tables)} tables: {self.captions()}"
            return tables[0]
        if isinstance(which, int):
            return tables[which]
        found = [t for t in tables if t.caption == which] or [
            t for t in tables if t.caption.startswith(which)
        ]
        assert len(found) == 1, f"{len(found)} tables {which!r} in {self.captions()}"
        return found[0]

    def captions(self) -> list[str]:
        """The captions of the tables (what a screen reader calls them), in order."""
        return [t.caption for t in self.tables()]

    # --- parts of the page ---

    def region(self, label: str) -> Page:
        """The part of the page labelled `label` (aria-label, or aria-labelledby a heading)."""
        for element in self._content.iter():
            if not isinstance(element.tag, str):
                continue
            names = [element.get("aria-label")]
            for ref in (element.get("aria-labelledby") or "").split():
                named = self._by_id(ref)
                if named is not None:
                    names.append(_accessible(named))
            if label in names:
                return Page(element)
        raise LookupError(f"no region labelled {label!r}")

    def printed(self) -> Page:
        """What a printer prints of the page: the print stylesheet leaves some parts off."""
        root = copy.deepcopy(self.root)
        for element in list(root.iter()):
            if isinstance(element.tag, str) and NOT_PRINTED & _classes(element):
                element.drop_tree()
        return Page(root)

    def with_javascript(self) -> Page:
        """The page once app.js has run: buttons that need JavaScript are shown."""
        root = copy.deepcopy(self.root)
        for element in root.xpath(f"//*[@{SHOWN_BY_JAVASCRIPT}]"):
            element.attrib.pop("hidden", None)
        return Page(root)

    def json_data(self, element_id: str) -> Any:
        """The JSON data the page carries for its scripts in <script type="application/json">."""
        script = self._by_id(element_id)
        assert script is not None and script.get("type") == "application/json", (
            element_id
        )
        return json.loads(script.text)

    def data(self, name: str) -> list[str]:
        """The values of the page's data-`name` attributes (what its scripts read), in order."""
        return [
            el.get(f"data-{name}") for el in self._content.xpath(f".//*[@data-{name}]")
        ]

    def scripts(self) -> list[str]:
        """The addresses of the scripts the page loads, in order."""
        return [s.get("src") for s in self.root.iter("script") if s.get("src")]

    # --- links and buttons ---

    def links(self) -> list[Link]:
        """Every visible link, as (accessible name, href), in order."""
        return [
            Link(_accessible(a), a.get("href"))
            for a in self._content.iter("a")
            if a.get("href") is not None
            and a.get("role") != "button"
            and not _hidden(a)
        ]

    def link(self, text: str) -> str:
        """The href of the link called `text` (there must be one, or several to the same place)."""
        hrefs = {href for name, href in self.links() if name == text}
        assert len(hrefs) == 1, f"links called {text!r}: {sorted(hrefs)}"
        return hrefs.pop()

    def downloads(self) -> list[Link]:
        """The links that download a file rather than open a page."""
        return [
            Link(_accessible(a), a.get("href"))
            for a in self._content.xpath(".//a[@href][@download]")
            if not _hidden(a)
        ]

    def buttons(self) -> list[str]:
        """The accessible names of the visible buttons (and links that look like buttons)."""
        return [_button_name(b) for b in self._buttons(self._content)]

    # --- forms ---

    def forms(self) -> list[Form]:
        forms = []
        for form in self._content.iter("form"):
            hidden = {
                i.get("name"): i.get("value", "")
                for i in form.xpath(".//input[@type='hidden'][@name]")
            }
            forms.append(
                Form(
                    action=form.get("action", ""),
                    method=form.get("method", "get").lower(),
                    enctype=form.get("enctype", "application/x-www-form-urlencoded"),
                    buttons=[_button_name(b) for b in self._buttons(form)],
                    hidden=hidden,
                    fields=self._fields(form),
                )
            )
        return forms

    def form(self, action: str) -> Form:
        """The form that sends to `action`."""
        found = [f for f in self.forms() if f.action == action]
        assert len(found) == 1, f"{len(found)} forms send to {action!r}"
        return found[0]

    def fields(self) -> dict[str, Field]:
        """The page's form fields a person fills in (not hidden inputs), by name."""
        return self._fields(self._content)

    def field(self, name_or_id: str) -> Field:
        fields = self.fields()
        if name_or_id in fields:
            return fields[name_or_id]
        element = self._by_id(name_or_id)
        if element is not None and element.get("name") in fields:
            return fields[element.get("name")]
        raise LookupError(f"no field {name_or_id!r} in {sorted(fields)}")

    def form_values(self) -> dict[str, str | list[str] | None]:
        """What the page's fields hold: typed text, the chosen radio (or None), the ticked
        checkboxes (a list), the selected option."""
        return {name: field.value for name, field in self.fields().items()}

    # --- errors ---

    def error_summary(self) -> list[ErrorLink]:
        """The messages of the error summary (the alert listing the problems), in order, with the
        field each one's link jumps to."""
        for alert in self._content.xpath(".//*[@role='alert']"):
            items = alert.xpath(".//li")
            if items:
                found = []
                for item in items:
                    link = item.find(".//a")
                    href = link.get("href", "") if link is not None else ""
                    target = href[1:] if href.startswith("#") else None
                    found.append(ErrorLink(_accessible(item), target))
                return found
        return []

    def field_error(self, name_or_id: str) -> str | None:
        """The error message shown with a field (and read out with it), if any."""
        element = self._by_id(name_or_id)
        if element is None:
            named = self._content.xpath(".//*[@name=$n]", n=name_or_id)
            element = named[0] if named else None
        if element is None:
            raise LookupError(f"no field {name_or_id!r}")
        for text in self._description(element):
            if ERROR_PREFIX.match(text):
                return ERROR_PREFIX.sub("", text)
        return None

    def fields_in_error(self) -> set[str]:
        """The names of the fields shown in the error style (the red border)."""
        names = set()
        for element in self._content.iter():
            if isinstance(element.tag, str) and any(
                ERROR_STYLE.search(c) for c in _classes(element)
            ):
                controls = [element, *element.iter("input", "select", "textarea")]
                names |= {c.get("name") for c in controls if c.get("name")}
        return names

    # --- the markup underneath ---

    def _by_id(self, element_id: str) -> HtmlElement | None:
        found = self.root.xpath("//*[@id=$i]", i=element_id)
        return found[0] if found else None

    def _tags(self) -> list[HtmlElement]:
        return [
            el
            for el in self._content.iter()
            if isinstance(el.tag, str)
            and TAG in _classes(el)
            and PHASE_TAG not in _classes(el)
            and not _hidden(el)
        ]

    def _buttons(self, within: HtmlElement) -> list[HtmlElement]:
        found = within.xpath(
            ".//button | .//input[@type='submit' or @type='button'] | .//a[@role='button']"
        )
        return [b for b in found if not _hidden(b)]

    def _description(self, control: HtmlElement) -> list[str]:
        owner = control
        if not control.get("aria-describedby"):
            owner = _nearest(control, "fieldset")
        refs = (
            (owner.get("aria-describedby") or "").split() if owner is not None else []
        )
        texts = []
        for ref in refs:
            described = self._by_id(ref)
            if described is not None:
                texts.append(_accessible(described))
        return texts

    def _label(self, control: HtmlElement) -> str:
        if control.get("id"):
            labels = self.root.xpath("//label[@for=$i]", i=control.get("id"))
            if labels:
                return _accessible(labels[0])
        label = _nearest(control, "label")
        return _accessible(label) if label is not None else ""

    def _fields(self, within: HtmlElement) -> dict[str, Field]:
        fields: dict[str, Field] = {}
        controls = within.xpath(
            ".//input[@name] | .//select[@name] | .//textarea[@name]"
        )
        for control in controls:
            kind = (
                control.get("type", "text") if control.tag == "input" else control.tag
            )
            name = control.get("name")
            if kind in ("hidden", "submit", "button", "reset", "image") or _hidden(
                control
            ):
                continue
            fieldset = _nearest(control, "fieldset")
            legend = fieldset.find("legend") if fieldset is not None else None
            question = _accessible(legend) if legend is not None else None
            if kind in ("radio", "checkbox"):
                option = Option(control.get("value", "on"), self._label(control))
                chosen = control.get("checked") is not None
                if name in fields:
                    known = fields[name]
                    known.options.append(option)
                    if chosen and kind == "checkbox":
                        known.value.append(option.value)  # type: ignore[union-attr]
                    elif chosen:
                        fields[name] = replace(known, value=option.value)
                    continue
                value: str | list[str] | None
                if kind == "checkbox":
                    value = [option.value] if chosen else []
                else:
                    value = option.value if chosen else None
                fields[name] = Field(
                    name=name,
                    id=control.get("id"),
                    kind=kind,
                    label=question or option.label,
                    question=question,
                    description=self._description(control),
                    options=[option],
                    value=value,
                )
                continue
            assert name not in fields, f"several fields are named {name!r}: use forms()"
            options = []
            if kind == "select":
                options = [
                    Option(o.get("value", _collapse(o.text_content())), _accessible(o))
                    for o in control.iter("option")
                ]
                selected = [
                    o.get("value", "")
                    for o in control.iter("option")
                    if o.get("selected") is not None
                ]
                value = (
                    selected[0] if selected else (options[0].value if options else "")
                )
            elif kind == "textarea":
                value = control.text or ""
            elif kind == "file":
                value = None
            else:
                value = control.get("value", "")
            fields[name] = Field(
                name=name,
                id=control.get("id"),
                kind=kind,
                label=self._label(control),
                question=question,
                description=self._description(control),
                options=options,
                value=value,
                inputmode=control.get("inputmode"),
                autocomplete=control.get("autocomplete"),
                accept=control.get("accept"),
                multiple=control.get("multiple") is not None,
            )
        return fields


# --- rendering text ---


class _Heading(NamedTuple):
    level: int
    text: str


def _classes(element: HtmlElement) -> set[str]:
    return set((element.get("class") or "").split())


def _nearest(element: HtmlElement, tag: str) -> HtmlElement | None:
    for ancestor in element.iterancestors(tag):
        return ancestor
    return None


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _skipped(element: HtmlElement, accessible: bool) -> bool:
    if not isinstance(element.tag, str):  # a comment or processing instruction
        return True
    if element.tag in NO_TEXT or element.get("hidden") is not None:
        return True
    if element.get("aria-hidden") == "true":
        return True
    return not accessible and VISUALLY_HIDDEN in _classes(element)


def _hidden(element: HtmlElement) -> bool:
    """Whether nobody meets the element: it, or a part it is in, is hidden (or not text at all)."""
    return any(
        isinstance(e.tag, str)
        and (e.get("hidden") is not None or e.tag in ("template", "head"))
        for e in (element, *element.iterancestors())
    )


def _render(root: HtmlElement, accessible: bool = False) -> list[str | _Heading]:
    """The text of `root` as lines, each heading a marker that holds its text."""
    items: list[str | _Heading] = []
    buffer: list[str] = []

    def line_break() -> None:
        line = _collapse("".join(buffer))
        if line:
            items.append(line)
        buffer.clear()

    def add(text: str | None, keep_breaks: bool) -> None:
        if not text:
            return
        parts = text.split("\n") if keep_breaks else [text]
        for index, part in enumerate(parts):
            if index:
                line_break()
            buffer.append(part)

    def walk(element: HtmlElement, keep_breaks: bool) -> None:
        if _skipped(element, accessible):
            return
        keep_breaks = keep_breaks or KEEPS_LINE_BREAKS in _classes(element)
        block = element.tag in BLOCKS
        if block or element.tag == "br":
            line_break()
        if element.tag in HEADINGS and element is not root:
            items.append(_Heading(int(element.tag[1]), _visible(element)))
            return  # its text is the marker's
        add(element.text, keep_breaks)
        for child in element:
            walk(child, keep_breaks)
            add(child.tail, keep_breaks)
        if block:
            line_break()

    walk(root, False)
    line_break()
    return items


def _lines(element: HtmlElement, accessible: bool = False) -> list[str]:
    items = _render(element, accessible)
    return [text for item in items if (text := getattr(item, "text", item))]


def _visible(element: HtmlElement) -> str:
    """What the eye reads of an element, on one line."""
    return " ".join(_lines(element))


def _accessible(element: HtmlElement) -> str:
    """An element's accessible name: its text including what only screen readers read."""
    return element.get("aria-label") or " ".join(_lines(element, accessible=True))


def _table(table: HtmlElement) -> Table:
    caption = table.find("caption")
    header: list[str] = []
    rows: list[list[str]] = []
    for row in table.iter("tr"):
        if _nearest(row, "table") is not table:
            continue  # a row of a table inside a cell
        cells = [c for c in row if isinstance(c.tag, str) and c.tag in ("td", "th")]
        in_head = _nearest(row, "thead") is not None
        if in_head or (not header and not rows and all(c.tag == "th" for c in cells)):
            header = [_accessible(c) for c in cells]
        else:
            rows.append([_visible(c) for c in cells])
    return Table(_accessible(caption) if caption is not None else "", header, rows)


def _button_name(button: HtmlElement) -> str:
    if button.tag == "input":
        return button.get("value", "")
    return _accessible(button)
