"""``ckan govcatalog reindex``: the search room's command, in the base plugin's ``govcatalog`` group.

The search plugin hands CKAN the same group object as the base plugin (toolkit.blanket.cli), with
this command added to it, so ``ckan govcatalog`` lists ``reindex`` whenever govcatalog_search is on.
"""
from __future__ import annotations

from concurrent.futures.process import BrokenProcessPool
from typing import Optional

import click

from ckanext.govcatalog.cli import govcatalog

__all__ = ["govcatalog"]


@govcatalog.command()
@click.option("--workers", "-w", type=int, default=None, metavar="N",
              help="Processes that index in parallel (default: the number of CPUs).")
@click.option("--keep-orphans", is_flag=True, help="Keep index entries of datasets no longer in the database.")
def reindex(workers: Optional[int], keep_orphans: bool) -> None:
    """Rebuild the whole search index on every CPU (the same documents as `ckan search-index rebuild`)."""
    from ckanext.govcatalog.search import plugin, reindex as engine

    if workers is None:
        workers = engine.default_workers()
    if not 1 <= workers <= engine.MAX_WORKERS:
        raise click.BadParameter(f"give a number of processes from 1 to {engine.MAX_WORKERS}, not {workers}",
                                 param_hint="--workers")
    if not plugin.use_postgres():
        raise click.ClickException("reindex writes the PostgreSQL index (ckanext.govcatalog.search.backend = "
                                   "postgres); with Solr use `ckan search-index rebuild`.")
    ids = engine.package_ids()
    with click.progressbar(length=len(ids), label=f"Indexing (up to {workers} processes)", show_pos=True,
                           show_percent=True, show_eta=True) as bar:
        try:
            summary = engine.reindex(workers, ids, keep_orphans=keep_orphans, progress=bar.update)
        except BrokenProcessPool as error:
            raise click.ClickException(f"A worker process died ({error}); the batches written so far are "
                                       "committed: run reindex again.") from error
    click.secho(f"Indexed {summary.datasets} of {len(ids)} datasets in {summary.seconds:.1f} s with "
                f"{summary.workers} workers: {summary.rate:.1f} datasets/s"
                + (f"; removed {summary.orphans_removed} entries of datasets no longer there"
                   if summary.orphans_removed else ""),
                fg="red" if summary.failed else "green")
    for package_id, message in sorted(summary.failed.items()):
        click.echo(f"  failed {package_id}: {message}", err=True)
    if summary.failed:
        raise SystemExit(1)
