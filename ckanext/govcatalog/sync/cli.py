"""``ckan govcatalog sync`` and ``ckan govcatalog reconcile``: subcommands the ``govcatalog``
group gains while the govcatalog_sync plugin is on (see ckanext/govcatalog/cli.py)."""
from __future__ import annotations

from typing import Optional

import click

__all__ = ["sync", "reconcile"]


def _targets(name: Optional[str]) -> list:
    from ckanext.govcatalog.sync import targets

    try:
        return [targets.get(name)] if name else targets.all_targets()
    except targets.TargetError as error:
        raise click.UsageError("; ".join(error.error_dict.get("target", []))) from None


def _settings(concurrency: Optional[int]):
    from ckanext.govcatalog.sync import service

    settings = service.SETTINGS_FACTORY()
    if concurrency is not None:
        settings.workers = concurrency
    return settings


CONCURRENCY = click.option(
    "--concurrency", type=click.IntRange(1, 64), metavar="N",
    help="Calls to a target at the same time (default: ckanext.govcatalog.sync.workers, 8).")


def _report(summary, dry_run: bool) -> None:
    click.secho(("Dry run: " if dry_run else "") + str(summary), fg="red" if summary.failures else "green")
    for key, error in sorted(summary.failures.items()):
        click.echo(f"  {key}: {error}")


@click.command(short_help="Push approved datasets to the national catalogs, withdraw the rest")
@click.option("--target", "target_name", metavar="NAME", help="Only this target (default: every configured one).")
@click.option("--all", "everything", is_flag=True,
              help="Look at every dataset (default: those never sent, pending or failed).")
@click.option("--dry-run", is_flag=True, help="Say what would be pushed or withdrawn; change nothing.")
@CONCURRENCY
def sync(target_name: Optional[str], everything: bool, dry_run: bool, concurrency: Optional[int]) -> None:
    """Push what each target should hold and withdraw what it should not. Unchanged datasets are
    not sent again (their content digest is the same). Tokens come from GOVCATALOG_SYNC_TOKEN_<NAME>
    or the target's token file."""
    from ckanext.govcatalog.sync import jobs, service

    chosen = _targets(target_name)
    if not chosen:
        raise click.UsageError("No sync targets configured (ckanext.govcatalog.sync.targets)")
    ids = service.all_package_ids() if everything else service.unsettled_package_ids(chosen)
    with click.progressbar(length=len(ids), label="Syncing", show_pos=True) as bar:
        summary = service.run(ids, chosen, dry_run=dry_run, settings=_settings(concurrency), progress=bar.update)
    if not dry_run:
        jobs.schedule_retries(summary.retries)
    _report(summary, dry_run)
    if summary.failures:
        raise SystemExit(1)


@click.command(short_help="Compare the national catalogs with what they should hold and repair drift")
@click.option("--target", "target_name", metavar="NAME", help="Only this target.")
@click.option("--dry-run", is_flag=True, help="Say what would be repaired; change nothing.")
@click.option("--schedule", is_flag=True,
              help="Also start the scheduled reconcile and GD Catalog state jobs (worker queue govcatalog_sync).")
@CONCURRENCY
def reconcile(target_name: Optional[str], dry_run: bool, schedule: bool, concurrency: Optional[int]) -> None:
    """Entries deleted or edited by hand on a target are pushed again; entries that should not be
    there are withdrawn; pushes that never arrived are made."""
    import datetime

    from ckanext.govcatalog.sync import jobs
    from ckanext.govcatalog.sync import reconcile as reconcile_

    chosen = _targets(target_name)
    with click.progressbar(length=len(chosen), label="Reconciling", show_pos=True) as bar:
        summary = reconcile_.reconcile(chosen, dry_run=dry_run, settings=_settings(concurrency), progress=bar.update)
    _report(summary, dry_run)
    if schedule:
        jobs.schedule(datetime.timedelta(seconds=1), jobs.reconcile_job, job_id=jobs.RECONCILE_JOB_ID)
        jobs.schedule(datetime.timedelta(seconds=1), jobs.refresh_registration_job, None, True,
                      job_id=jobs.REFRESH_JOB_ID)
    if summary.failures:
        raise SystemExit(1)
