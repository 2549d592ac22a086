"""Reading uploaded XML without the classic XML attacks: no DTDs, no entities, no network, a size cap."""

from __future__ import annotations

import codecs
import re

from lxml import etree

MAX_FILE_BYTES = 2_000_000
_DECLARATION = re.compile(r"<!(DOCTYPE|ENTITY)", re.I)
_ENCODING = re.compile(r"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_XML_DECL = re.compile(r"^<\?xml[^>]*\?>")
ACCEPTED_ENCODINGS = {
    "utf-8",
    "utf-16",
    "utf-16-le",
    "utf-16-be",
    "ascii",
    "latin-1",
    "cp1252",
}
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class UnsafeXml(ValueError):
    """The file is too large, declares a DTD or entities, or is not well-formed XML."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def _encoding_of(content: bytes) -> str:
    """The file's encoding from its byte-order mark, else its XML declaration, else UTF-8."""
    for bom, name in _BOMS:
        if content.startswith(bom):
            return name
    if content[:4] in (b"<\0?\0", b"\0<\0?"):
        return "utf-16-le" if content[0] == 0x3C else "utf-16-be"
    declared = _ENCODING.match(content[:200].decode("ascii", "replace"))
    return declared.group(1) if declared else "utf-8"


def to_utf8(content: bytes) -> bytes:
    """The file as UTF-8 with a UTF-8 declaration (UTF-16 and Latin-1 files are re-encoded).

    Decoding comes first, so a DOCTYPE hidden in UTF-16 is found like any other, and every stored
    file, and every page that shows one, reads UTF-8.
    """
    if len(content) > MAX_FILE_BYTES:
        raise UnsafeXml(
            f"the file is {len(content):,} bytes; the limit is {MAX_FILE_BYTES:,} bytes"
        )
    name = _encoding_of(content)
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        codec = name
    if codec not in ACCEPTED_ENCODINGS:
        raise UnsafeXml(
            f"the file is encoded as {name!r}; save it as UTF-8 (Camunda Modeler does)",
            1,
        )
    try:
        text = content.decode("utf-8-sig" if codec == "utf-8" else codec)
    except UnicodeDecodeError as err:
        line = content[: err.start].count(b"\n") + 1
        raise UnsafeXml(
            f"the file is not valid {name} text at byte {err.start}; save it as UTF-8",
            line,
        ) from None
    text = text.lstrip("\ufeff")
    found = _DECLARATION.search(text)
    if found:
        line = text[: found.start()].count("\n") + 1
        raise UnsafeXml(
            "DOCTYPE and ENTITY declarations are not allowed in diagrams "
            "(they can read files on the server or expand without limit)",
            line,
        )
    if codec != "utf-8":
        text = _XML_DECL.sub('<?xml version="1.0" encoding="UTF-8"?>', text, count=1)
    return text.encode("utf-8")


def parse_xml(content: bytes) -> etree._Element:
    """Parse untrusted XML bytes; raise UnsafeXml with a line number where there is one."""
    content = to_utf8(content)
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
    )
    try:
        return etree.fromstring(content, parser)
    except etree.XMLSyntaxError as err:
        raise UnsafeXml(
            f"the file is not well-formed XML: {err.msg}", err.lineno
        ) from None
