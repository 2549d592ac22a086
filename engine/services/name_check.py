"""The `name_check` service task: find the names recorded in the case in a report before it is published.

The diagram names the document field and the data keys that hold names (the child, the family, staff):

    <camunda:inputParameter name="document">${publication_document}</camunda:inputParameter>
    <camunda:inputParameter name="name_fields">child_family_name,child_given_name</camunda:inputParameter>

The handler reads the uploaded file (PDF with pypdf, Word with python-docx, or plain text), looks for each
name as a whole word, ignoring case, and returns `name_check_hit_count` and `name_check_hits` (one line
per hit, the name in its context). What happens next is the diagram's decision.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from typing import Any

from engine.db import documents as document_rows
from engine.process.handlers import ServiceCall

CONTEXT = 40


def document_text(filename: str, content: bytes) -> str:
    """The text of an uploaded PDF, Word or plain-text file."""
    lowered = filename.lower()
    if lowered.endswith(".pdf") or content.startswith(b"%PDF"):
        from pypdf import PdfReader

        return "\n".join(
            page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages
        )
    if lowered.endswith(".docx"):
        from docx import Document

        word = Document(io.BytesIO(content))
        cells = [c.text for t in word.tables for r in t.rows for c in r.cells]
        return "\n".join([p.text for p in word.paragraphs] + cells)
    return content.decode("utf-8", errors="replace")


def find_names(text: str, names: list[str]) -> list[str]:
    """Each place a name occurs in the text, as "name: …context…"."""
    hits = []
    for name in names:
        pattern = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.IGNORECASE)
        for match in pattern.finditer(text):
            start, end = max(0, match.start() - CONTEXT), match.end() + CONTEXT
            context = " ".join(text[start:end].split())
            hits.append(f"{name}: …{context}…")
    return hits


def _names(data: Mapping[str, Any], fields: str) -> list[str]:
    found: list[str] = []
    for key in (f.strip() for f in fields.split(",") if f.strip()):
        value = data.get(key)
        values = value if isinstance(value, list) else [value]
        for each in values:
            for part in re.split(r"[,;\n]", str(each or "")):
                if len(part.strip()) >= 2 and part.strip() not in found:
                    found.append(part.strip())
    return found


class NameCheckHandler:
    """Reads the case's document and reports where the recorded names appear."""

    def check(self, params: Mapping[str, Any], files: Mapping[str, bytes]) -> list[str]:
        problems = []
        if not str(params.get("document") or "").strip():
            problems.append("the name_check task needs a 'document' input parameter")
        if not str(params.get("name_fields") or "").strip():
            problems.append("the name_check task needs a 'name_fields' input parameter")
        return problems

    def run(self, call: ServiceCall) -> dict[str, Any] | None:
        document_id = str(call.params.get("document") or "").strip()
        if not document_id.isdigit():
            return {"name_check_hit_count": 0, "name_check_hits": "No file to check."}
        document = document_rows.get(call.session, int(document_id))
        text = document_text(document.filename, document.content)
        hits = find_names(text, _names(call.data, str(call.params["name_fields"])))
        return {
            "name_check_hit_count": len(hits),
            "name_check_hits": "\n".join(hits) or "No names found.",
        }
