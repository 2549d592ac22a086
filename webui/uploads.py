"""Uploaded diagram files for the deployments pages: their names in the bundle, zips, size limits, and
carrying checked files back from the "Check your changes" page (the server keeps nothing in between)."""

from __future__ import annotations

import base64
import binascii
import io
import zipfile
from collections.abc import Mapping
from itertools import count
from itertools import takewhile
from pathlib import PurePosixPath

from flask import abort
from werkzeug.datastructures import FileStorage

# Message templates live in this folder of a deployment (as in bpmn/templates/).
TEMPLATE_FOLDER = "templates"

# The check page sends the files back to deploy them (the server keeps nothing in between): in
# hidden fields, base64, in parts that each fit MAX_FORM_MEMORY_SIZE. Larger bundles: `scr deploy`.
MAX_CHECKED_BYTES = 5 * 1024 * 1024
MAX_CHECKED_FILES = 300
PART = 1_000_000
TOO_LARGE = (
    "The files are too large to check and deploy from the browser (over 5 MB or 300 files "
    "in all). Deploy them with `scr deploy FOLDER --as USERNAME` on the server."
)


def upload_error(files: Mapping[str, bytes]) -> str | None:
    """What is wrong with the files chosen, before they are checked: none, or too many."""
    if not files:
        return "Choose one or more .bpmn, .dmn or .txt files to deploy"
    too_many = len(files) > MAX_CHECKED_FILES
    if too_many or sum(len(c) for c in files.values()) > MAX_CHECKED_BYTES:
        return TOO_LARGE
    return None


def carried_fields(files: Mapping[str, bytes]) -> list[tuple[str, str]]:
    """The hidden fields that send the files back: file-N-name, then file-N-0, file-N-1, ... (base64)."""
    fields = []
    for number, (name, content) in enumerate(sorted(files.items())):
        data = base64.b64encode(content).decode("ascii")
        fields.append((f"file-{number}-name", name))
        parts = range(0, max(len(data), 1), PART)
        fields += [
            (f"file-{number}-{i}", data[s : s + PART]) for i, s in enumerate(parts)
        ]
    return fields


def present(value: str | None) -> bool:
    return value is not None


def carried_files(form: Mapping[str, str]) -> dict[str, bytes]:
    """The files sent back by the check page's hidden fields (refused if they were garbled)."""
    files = {}
    for number in range(MAX_CHECKED_FILES + 1):
        name = form.get(f"file-{number}-name")
        if name is None:
            break
        parts = takewhile(present, (form.get(f"file-{number}-{i}") for i in count()))
        try:
            files[bundle_name(name)] = base64.b64decode("".join(parts), validate=True)
        except binascii.Error:
            abort(400, "The files sent back could not be read; upload them again.")
    return files


MAX_ZIP_ENTRIES = 300
MAX_ZIP_BYTES = 20_000_000


def zip_files(upload: FileStorage) -> dict[str, bytes]:
    """The files of an uploaded zip by their path in it (sizes checked before anything is unpacked)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(upload.read()))
        entries = [i for i in archive.infolist() if not i.is_dir()]
        if (
            len(entries) > MAX_ZIP_ENTRIES
            or sum(i.file_size for i in entries) > MAX_ZIP_BYTES
        ):
            abort(400, "The zip holds too many or too large files.")
        return {i.filename: archive.read(i) for i in entries}
    except zipfile.BadZipFile:
        abort(
            400,
            "The zip file could not be read; download it again and upload it as it is.",
        )


def bundle_files(uploads: list[FileStorage]) -> dict[str, bytes]:
    """The uploaded files by their name in the bundle (a zip is unpacked)."""
    files = {}
    for upload in uploads:
        if not upload.filename:
            continue
        if upload.filename.lower().endswith(".zip"):
            files.update(
                {bundle_name(n): data for n, data in zip_files(upload).items()}
            )
            continue
        files[bundle_name(upload.filename)] = upload.read()
    return files


def bundle_name(filename: str) -> str:
    """Where an uploaded file goes in the bundle: its path as sent, folders kept (``loops/loop.bpmn``).

    A .txt message template sent without a folder goes in templates/. A path that is absolute or
    climbs out (``..``), as some browsers and zips send, keeps only the file's own name.
    """
    path = PurePosixPath(filename.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or ":" in path.parts[0]:
        path = PurePosixPath(path.name)
    if path.suffix == ".txt" and len(path.parts) == 1:
        path = TEMPLATE_FOLDER / path
    return path.as_posix()
