"""Rebuild the search index on every CPU: ``ckan govcatalog reindex [--workers N]``.

Each worker process indexes batches of package ids over its own database connection. A dataset's
document is built exactly as ``ckan search-index rebuild`` builds it (``index_update_package``:
package_show with both schemas, CKAN's Solr document, the plugins' ``before_dataset_index`` hooks,
permission labels), so the rows are the same; only the writes differ: the documents of a batch go
to PostgreSQL in a few multi-row upserts and one commit, instead of one statement each.
"""
from __future__ import annotations

import contextlib
import logging
import math
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Optional

import sqlalchemy as sa

import ckan.model as model
import ckan.plugins.toolkit as tk

from . import backend

log = logging.getLogger(__name__)

BATCH_SIZE = 200  # datasets a worker indexes per commit: small enough for a smooth progress bar
MAX_WORKERS = 64


@dataclass
class BatchResult:
    indexed: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # package id -> error
    cpu_seconds: float = 0.0  # of the process that indexed the batch (the database's not included)
    write_seconds: float = 0.0  # spent writing and committing the batch


@dataclass
class Summary:
    datasets: int
    workers: int
    seconds: float
    failed: dict[str, str]
    orphans_removed: int
    cpu_seconds: float = 0.0
    write_seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.datasets / self.seconds if self.seconds > 0 else 0.0


class BufferedConnection:
    """A search connection that keeps what CKAN writes until the batch is written in one go."""

    url = "postgresql://govcatalog_search_document (batched)"

    def __init__(self, pending: "Pending") -> None:
        self.pending = pending

    def add(self, docs: list[dict[str, Any]], commit: bool = True, **_: Any) -> None:
        self.pending.rows.extend(backend.build_row(doc) for doc in docs)

    def delete(self, *args: Any, **kwargs: Any) -> None:
        # a deleted dataset, when ckan.search.remove_deleted_packages asks for it to leave the index
        self.pending.deletes.append((args, kwargs))

    def commit(self, **_: Any) -> None:
        pass  # the batch commits


@dataclass
class Pending:
    rows: list[backend.IndexRow] = field(default_factory=list)
    deletes: list[tuple[tuple[Any, ...], dict[str, Any]]] = field(default_factory=list)

    def write(self) -> None:
        connection = backend.PostgresSolrConnection()
        for args, kwargs in self.deletes:
            connection.delete(*args, **kwargs)
        backend.upsert_many(model.Session, self.rows)


@contextlib.contextmanager
def buffered_index(pending: Pending) -> Iterator[None]:
    """Route CKAN's index writes into ``pending`` for a while (this process only)."""
    import ckan.lib.search.index as index

    saved = index.make_connection
    index.make_connection = lambda *a, **k: BufferedConnection(pending)
    try:
        yield
    finally:
        index.make_connection = saved


def package_ids() -> list[str]:
    """The datasets `ckan search-index rebuild` indexes, in a stable order."""
    query = model.Session.query(model.Package.id)
    if tk.config.get("ckan.search.remove_deleted_packages"):
        query = query.filter(model.Package.state != "deleted")
    return [package_id for (package_id,) in query.order_by(model.Package.id)]


def index_batch(ids: list[str]) -> BatchResult:
    """Index ``ids`` in this process and commit; a dataset that fails is reported, not fatal."""
    from ckan import logic

    cpu_started = time.process_time()
    result = BatchResult()
    pending = Pending()
    # The batch's datasets in one query: package_show and the permission labels then find them in
    # the session instead of asking the database twice each (held here: the identity map is weak).
    loaded = model.Session.query(model.Package).filter(model.Package.id.in_(ids)).all()  # noqa: F841
    with buffered_index(pending):
        for package_id in ids:
            try:
                logic.index_update_package({"ignore_auth": True}, package_id, defer_commit=True)
                result.indexed += 1
            except Exception as error:  # noqa: BLE001  (reported per dataset, as rebuild --force)
                # Nothing was written yet (the batch writes at the end): a rollback loses nothing.
                model.Session.rollback()
                log.warning("Could not index dataset %s: %r", package_id, error)
                result.failed[package_id] = repr(error)
    write_started = time.perf_counter()
    try:
        pending.write()
        model.Session.commit()
    except Exception as error:  # noqa: BLE001  (the whole batch is reported as failed)
        model.Session.rollback()
        log.warning("Could not write a batch of %d datasets: %r", len(ids), error)
        result.failed.update({package_id: repr(error) for package_id in ids if package_id not in result.failed})
        result.indexed = 0
    finally:
        model.Session.remove()  # a fresh session per batch: identity maps do not grow over a run
    result.write_seconds = time.perf_counter() - write_started
    result.cpu_seconds = time.process_time() - cpu_started
    return result


def _start_worker() -> None:
    """In a freshly forked worker: never use the parent's database connections."""
    model.Session.registry.clear()
    model.meta.engine.dispose(close=False)


def remove_orphans() -> int:
    """Index entries of datasets that no longer exist (as rebuild's clear-orphans)."""
    deleted = model.Session.execute(sa.text(
        f"DELETE FROM {backend.TABLE} d WHERE NOT EXISTS (SELECT 1 FROM package p WHERE p.id = d.id)"
    ))
    model.Session.commit()
    return deleted.rowcount or 0


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def batches(ids: list[str], workers: int, size: int = BATCH_SIZE) -> list[list[str]]:
    """Batches of at most ``size`` ids, and at least four per worker when there are few datasets
    (so that every worker has work, and the last batch does not leave one worker alone at the end)."""
    size = max(1, min(size, math.ceil(len(ids) / (workers * 4))))
    return [ids[start:start + size] for start in range(0, len(ids), size)]


def reindex(workers: int, ids: Optional[list[str]] = None, keep_orphans: bool = False,
            progress: Optional[Callable[[int], None]] = None) -> Summary:
    """Index ``ids`` (default: every dataset rebuild would index) with ``workers`` processes.

    Workers take batches from a shared queue, so a slow worker (or a busy CPU) takes fewer of them.
    A worker process that dies raises concurrent.futures.process.BrokenProcessPool.
    With one worker everything runs in this process. Every batch reads the datasets in a session of
    its own (never objects cached by the caller's): call this with no uncommitted work."""
    if not 1 <= workers <= MAX_WORKERS:
        raise ValueError(f"workers must be between 1 and {MAX_WORKERS}, not {workers}")
    started = time.perf_counter()
    ids = package_ids() if ids is None else list(ids)
    work = batches(ids, workers)
    workers = max(1, min(workers, len(work)))
    failed: dict[str, str] = {}
    indexed = 0
    cpu_seconds = write_seconds = 0.0

    def collect(result: BatchResult) -> None:
        nonlocal indexed, cpu_seconds, write_seconds
        indexed += result.indexed
        cpu_seconds += result.cpu_seconds
        write_seconds += result.write_seconds
        failed.update(result.failed)
        if progress is not None:
            progress(result.indexed + len(result.failed))

    model.Session.remove()
    if workers == 1:
        for batch in work:
            collect(index_batch(batch))
    else:
        # The parent holds no connection while it forks: a child could otherwise write on its socket.
        model.meta.engine.dispose()
        # concurrent.futures rather than multiprocessing.Pool: a worker that dies (out of memory,
        # killed) fails the run with BrokenProcessPool instead of leaving it waiting for ever.
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                                 initializer=_start_worker) as pool:
            for future in as_completed([pool.submit(index_batch, batch) for batch in work]):
                collect(future.result())
    orphans = 0 if keep_orphans else remove_orphans()
    return Summary(datasets=indexed, workers=workers, seconds=time.perf_counter() - started,
                   failed=failed, orphans_removed=orphans, cpu_seconds=cpu_seconds, write_seconds=write_seconds)
