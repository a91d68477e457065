""" "Download my data": a ZIP of everything the product holds about one user.

Each app says what it holds in its ``privacy`` module by registering an
``ExportSection`` (records written as ``<name>.json``, and files such as the kept
photos); ``write_export`` writes the sections one after the other into a file, record
by record and file by file, so memory stays bounded whatever the account holds."""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import BinaryIO

from django.core.serializers.json import DjangoJSONEncoder
from django.http import FileResponse
from django.utils import timezone
from rest_framework import serializers
from rest_framework.throttling import UserRateThrottle

from accounts.models import User

EXPORTS_PER_HOUR = 10
# Records read and serialized together: one query (and its prefetches) per chunk, and a
# serializer's fields built once per chunk rather than per record.
CHUNK = 200


@dataclass(frozen=True)
class ExportFile:
    path: str  # inside the ZIP
    open: Callable[[], BinaryIO]


@dataclass(frozen=True)
class ExportSection:
    name: str  # the records go to <name>.json
    description: str  # one line in the ZIP's README
    records: Callable[[User], Iterable[dict]]
    files: Callable[[User], Iterable[ExportFile]] = field(default=lambda user: ())
    many: bool = True  # False: the section is one JSON object, not a list


_sections: dict[str, ExportSection] = {}


def register(section: ExportSection) -> ExportSection:
    _sections[section.name] = section
    return section


def sections() -> list[ExportSection]:
    return list(_sections.values())


def write_export(user: User, target: BinaryIO) -> None:
    """Write ``user``'s data as a ZIP into the binary file ``target``."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", _readme(user))
        for section in sections():
            with archive.open(f"{section.name}.json", "w") as raw:
                for chunk in _json_chunks(section.records(user), many=section.many):
                    raw.write(chunk.encode())
            for item in section.files(user):
                _copy_file(archive, item)


def serialized(queryset, serializer_class, context_for=None) -> Iterable[dict]:
    """Every record of ``queryset`` through ``serializer_class``, a chunk at a time;
    ``context_for(chunk)`` gives the serializer's context for a chunk (lookups it needs)."""
    chunk = []
    for record in queryset.iterator(chunk_size=CHUNK):
        chunk.append(record)
        if len(chunk) == CHUNK:
            yield from _serialize(chunk, serializer_class, context_for)
            chunk = []
    yield from _serialize(chunk, serializer_class, context_for)


def _serialize(chunk, serializer_class, context_for):
    if chunk:
        context = context_for(chunk) if context_for else {}
        yield from serializer_class(chunk, many=True, context=context).data


def export_filename(user: User) -> str:
    return f"fermusic-data-{user.get_username()}-{timezone.localdate():%Y-%m-%d}.zip"


def export_response(user: User) -> FileResponse:
    """The ZIP as a download, built in a temporary file that is removed once sent."""
    target = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it once sent
    try:
        write_export(user, target)
        target.seek(0)
    except BaseException:
        target.close()
        raise
    response = FileResponse(target, as_attachment=True, filename=export_filename(user), content_type="application/zip")
    response["Cache-Control"] = "private, no-store"
    return response


class ExportRateThrottle(UserRateThrottle):
    """Building a ZIP reads every photo: a few downloads an hour per user, page and API alike."""

    scope = "exports"

    def get_rate(self):
        return f"{EXPORTS_PER_HOUR}/hour"


def _json_chunks(records: Iterable[dict], many: bool) -> Iterable[str]:
    def dump(record):
        return json.dumps(record, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)

    if not many:
        yield from (dump(record) + "\n" for record in records)
        return
    yield "["
    for position, record in enumerate(records):
        yield ("," if position else "") + "\n" + dump(record)
    yield "\n]\n"


def _copy_file(archive: zipfile.ZipFile, item: ExportFile) -> None:
    try:
        source = item.open()
    except FileNotFoundError:
        return  # deleted (retention, another tab) since the record was written
    with source:
        # Photos are JPEGs already: stored, not compressed again.
        info = zipfile.ZipInfo(item.path, date_time=timezone.localtime().timetuple()[:6])
        info.compress_type = zipfile.ZIP_STORED
        with archive.open(info, "w", force_zip64=True) as out:
            shutil.copyfileobj(source, out, length=1024 * 1024)


def _readme(user: User) -> str:
    lines = [
        f"Your FerMusic data ({user.get_username()}), exported {timezone.now():%Y-%m-%d %H:%M} UTC.",
        "",
        "Every time is in UTC (ISO 8601). The files:",
        "",
    ]
    for section in sections():
        lines.append(f"{section.name}.json: {section.description}")
    lines += ["", "Nothing in this archive belongs to anyone else.", ""]
    return "\n".join(lines)


# --- The account itself ------------------------------------------------------------------


class AccountExportSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        # Every field but the password hash and the permission tables, so a field added
        # to the user is exported without anyone remembering to.
        exclude = ["password", "groups", "user_permissions"]


register(
    ExportSection(
        name="account",
        description="your account: username, e-mail, preferences, and when you consented to face processing.",
        records=lambda user: [AccountExportSerializer(user).data],
        many=False,
    )
)
