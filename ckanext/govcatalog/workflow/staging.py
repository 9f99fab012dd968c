"""Files of a pending revision, kept apart from the live files until an approver approves them.

A file uploaded in an edit of a published dataset is written under
``<ckan.storage_path>/govcatalog/staged/<dataset id>/<token>`` (never served) and recorded with
the pending revision. Applying the approved revision writes each file beside its live file and
swaps it in only once the database commit has succeeded (``approved_files``).
"""
from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import mimetypes
import os
import uuid
from typing import Any, Callable, Iterable, Iterator, Optional

from werkzeug.datastructures import FileStorage

import ckan.lib.munge as munge
import ckan.lib.uploader as uploader
import ckan.plugins.toolkit as tk

Staged = dict[str, Any]  # {"token", "filename", "size", "mimetype"}


def _root() -> str:
    path = tk.config.get("ckan.storage_path")
    if not path:
        raise tk.ValidationError({"upload": [tk._("Files for a published dataset cannot be kept "
                                                  "for approval: ckan.storage_path is not set")]})
    return os.path.join(path, "govcatalog", "staged")


def staged_path(package_id: str, staged: Staged) -> str:
    # both parts are ours (a dataset id from the database, a uuid token), never user input
    return os.path.join(_root(), package_id, staged["token"])


def describe(upload: FileStorage) -> dict[str, Any]:
    """The resource fields core's uploader would set for this upload (url, url_type, size...)."""
    filename = munge.munge_filename(upload.filename or "")
    stream = upload.stream
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return {"url": filename, "url_type": "upload", "size": size,
            "mimetype": mimetypes.guess_type(filename)[0]}


def stage(package_id: str, upload: FileStorage) -> Staged:
    """Keep an uploaded file apart until its revision is approved or rejected."""
    described = describe(upload)
    staged: Staged = {"token": uuid.uuid4().hex, "filename": described["url"], "size": described["size"],
                      "mimetype": described["mimetype"]}
    path = staged_path(package_id, staged)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + "~", "wb") as output:
        try:
            uploader._copy_file(upload.stream, output, uploader.get_max_resource_size())
        except tk.ValidationError:
            os.remove(path + "~")
            raise
    os.rename(path + "~", path)
    return staged


def open_staged(package_id: str, staged: Staged) -> FileStorage:
    """The staged file as an upload, for core's uploader to store when the revision is applied."""
    return FileStorage(stream=open(staged_path(package_id, staged), "rb"), filename=staged["filename"],
                       content_type=staged.get("mimetype") or "application/octet-stream")


def discard(package_id: str, staged_files: Iterable[Staged]) -> None:
    for staged in staged_files:
        with contextlib.suppress(OSError):
            os.remove(staged_path(package_id, staged))
    with contextlib.suppress(OSError, tk.ValidationError):
        os.rmdir(os.path.join(_root(), package_id))  # only when empty


# --- applying an approved revision ------------------------------------------------------------

def _nothing() -> None:
    return None


@dataclasses.dataclass(frozen=True)
class Swap:
    """A live file's change, prepared beside it: ``apply`` once the approved revision is
    committed, ``discard`` if it is not."""
    apply: Callable[[], None]
    discard: Callable[[], None] = _nothing


_SWAPS: contextvars.ContextVar[Optional[list[Swap]]] = contextvars.ContextVar("govcatalog_swaps", default=None)


def pending_swaps() -> Optional[list[Swap]]:
    """The swaps of the approved revision being applied now, or None outside an approval."""
    return _SWAPS.get()


@contextlib.contextmanager
def approved_files() -> Iterator[None]:
    """Within this block the resource uploader may write live files of a disclosed dataset, but
    only beside them: they replace the live files when the block ends without error (the block
    commits), and are dropped otherwise, so the old bytes stay until the commit succeeded."""
    swaps: list[Swap] = []
    token = _SWAPS.set(swaps)
    try:
        yield
    except BaseException:
        for swap in swaps:
            swap.discard()
        raise
    finally:
        _SWAPS.reset(token)
    for swap in swaps:
        swap.apply()
