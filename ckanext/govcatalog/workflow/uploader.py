"""Defence in depth: CKAN's resource uploader never writes (or deletes) a live file of a disclosed
dataset, except while an approved revision is being applied (then beside the live file, swapped in
after the commit: see staging.approved_files)."""
from __future__ import annotations

import contextlib
import functools
import os
from typing import Any

import ckan.lib.files as files
import ckan.lib.uploader as core
import ckan.model as model
import ckan.plugins.toolkit as tk

from . import service, staging


def refuse_unapproved_write(resource_id: str) -> None:
    """A clean validation error (never a 500) for a write to a live file of a disclosed dataset."""
    if staging.pending_swaps() is not None:
        return
    resource = model.Resource.get(resource_id)
    package = resource.package if resource is not None else None
    if package is not None and service.is_disclosed_state(service.state_of(package)):
        raise tk.ValidationError({"upload": [tk._("A file of a published dataset changes only when an "
                                                  "approver approves the change")]})


def _remove_quietly(path: str) -> None:
    with contextlib.suppress(OSError):
        os.remove(path)


class GuardedResourceUpload(core.ResourceUpload):
    """CKAN's local resource uploader, guarded, and deferring approved writes until the commit."""

    def upload(self, id: str, max_size: int = 10) -> None:
        if not self.storage_path or not (self.filename or self.clear):
            return super().upload(id, max_size)
        refuse_unapproved_write(id)
        swaps = staging.pending_swaps()
        if swaps is None:
            return super().upload(id, max_size)
        swaps.append(self._write_beside(id, max_size))

    def _write_beside(self, id: str, max_size: int) -> staging.Swap:
        live_path = self.get_path(id)
        if not self.filename:  # clear_upload: the file goes once the revision is committed
            return staging.Swap(functools.partial(_remove_quietly, live_path))
        os.makedirs(self.get_directory(id), exist_ok=True)
        new_path = live_path + ".approved~"
        with open(new_path, "wb") as output:
            try:
                core._copy_file(self.upload_file, output, max_size)
            except tk.ValidationError:
                os.remove(new_path)
                raise
            finally:
                self.upload_file.close()
        return staging.Swap(functools.partial(os.replace, new_path, live_path),
                            functools.partial(_remove_quietly, new_path))


class GuardedFKResourceUpload(core.FKResourceUpload):
    """CKAN 2.12's file-storage resource uploader, guarded, and deferring approved writes until
    the commit (written beside the live file, moved over it afterwards)."""

    def upload(self, id: str, max_size: int = 10) -> None:
        swaps = staging.pending_swaps()
        if not (self.filename or self.clear) or not self.storage or not tk.config["ckan.uploads_enabled"]:
            return super().upload(id, max_size)
        refuse_unapproved_write(id)
        if swaps is None:
            return super().upload(id, max_size)
        swaps.append(self._write_beside(id))

    def _write_beside(self, id: str) -> staging.Swap:
        storage = self.storage
        assert storage is not None
        live = self.get_path(id)
        if not self.filename:
            return staging.Swap(functools.partial(_fk_remove, storage, live))
        beside = files.Location(f"{live}.approved~")
        _fk_remove(storage, beside)  # left by an approval that failed before
        try:
            written = storage.upload(beside, self.upload_file)
        except (files.exc.LargeUploadError, files.exc.ExistingFileError) as error:
            raise tk.ValidationError({"upload": [str(error)]}) from error
        return staging.Swap(functools.partial(_fk_replace, storage, written, live),
                            functools.partial(_fk_remove, storage, beside))


def _fk_remove(storage: Any, location: str) -> None:
    with contextlib.suppress(files.exc.MissingFileError):
        storage.remove(files.FileData(files.Location(location)))


def _fk_replace(storage: Any, written: Any, live: str) -> None:
    _fk_remove(storage, live)
    storage.move(files.Location(live), written)


def resource_uploader(data_dict: dict[str, Any]) -> Any:
    """The uploader core would pick (file storage when one is configured for resources), guarded."""
    try:
        files.get_storage(tk.config["ckan.files.default_storages.resource"])
    except files.exc.UnknownStorageError:
        return GuardedResourceUpload(data_dict)
    return GuardedFKResourceUpload(data_dict)
