"""Attachments: a name safe to show, and a file stored under a name we generate.

The sender chooses the file name, so it is only ever displayed, never used as
a path: `../../etc/passwd` shows as `passwd` and is stored, like everything,
as `<sha256[:2]>/<sha256>` under the attachments folder. Content addressing
makes parsing the same mail twice harmless: the file is already there.
"""
from __future__ import annotations

import contextlib
import hashlib
import mimetypes
import os
import re
import tempfile
import unicodedata

from deskbot.mailbox.inbound import Attachment, ParseOptions

# Only the built-in table: /etc/mime.types differs between machines.
_TYPES = mimetypes.MimeTypes()
_EXTRA_EXTENSIONS = {"text/calendar": ".ics", "text/rfc822-headers": ".txt",
                     "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx"}
# Control, format (bidi overrides that turn "exe.pdf" around, zero-width) and separator characters.
_INVISIBLE = {"Cc", "Cf", "Zl", "Zp"}
_WINDOWS_UNSAFE = re.compile(r'[<>:"|?*]')
_WINDOWS_DEVICES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)),
                    *(f"lpt{i}" for i in range(1, 10))}
_MAX_NAME_BYTES = 255


def safe_filename(name: str | None, content_type: str) -> str:
    """A readable file name without directories, control characters or device names."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(" " if char.isspace() else char for char in name
                   if unicodedata.category(char) not in _INVISIBLE or char in "\t\n\r")
    name = _WINDOWS_UNSAFE.sub("_", " ".join(name.split())).strip(" .")
    if not name:
        return "attachment" + _extension(content_type)
    if name.split(".")[0].lower() in _WINDOWS_DEVICES:
        name = "_" + name
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension) > 16:
        stem, extension = name, ""
    else:
        extension = dot + extension
    stem = stem.encode()[:_MAX_NAME_BYTES - len(extension.encode())].decode("utf-8", "ignore")
    return stem.rstrip(" .") + extension


def _extension(content_type: str) -> str:
    return _EXTRA_EXTENSIONS.get(content_type) or _TYPES.guess_extension(content_type) or ""


def save_attachment(data: bytes, filename: str, content_type: str, options: ParseOptions, *,
                    inline: bool = False, content_id: str | None = None) -> Attachment:
    """Describe an attachment, and store its bytes when it is wanted and fits the size cap."""
    digest = hashlib.sha256(data).hexdigest()
    attachment = Attachment(filename=filename, content_type=content_type, size=len(data),
                            inline=inline, content_id=content_id, sha256=digest)
    if len(data) > options.max_attachment_size:
        attachment.skipped_reason = f"over the size cap ({len(data)} > {options.max_attachment_size} bytes)"
    elif options.attachments_dir is not None:
        try:
            attachment.stored_path = _store(options.attachments_dir, digest, data)
        except OSError as exc:
            attachment.skipped_reason = f"not saved: {exc.strerror or exc}"
    return attachment


def _store(root: str, digest: str, data: bytes) -> str:
    """Write `data` to its content address, all at once or not at all; return the relative path."""
    relative = f"{digest[:2]}/{digest}"
    target = os.path.join(root, relative)
    if os.path.exists(target):
        return relative
    os.makedirs(os.path.dirname(target), exist_ok=True)
    # No fsync: after a power cut a file may come back empty, a risk taken
    # because an fsync per attachment, a hundred a second, costs more than parsing.
    handle, temporary = tempfile.mkstemp(dir=os.path.dirname(target), prefix=".incoming-")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return relative
