"""``ckan govcatalog harvest-doctor`` and ``ckan govcatalog harvest-consumer``: subcommands the
``govcatalog`` group gains while ckanext-harvest's ``harvest`` plugin is on."""
from __future__ import annotations

import click

__all__ = ["harvest_doctor", "harvest_consumer"]


@click.command(name="harvest-doctor", short_help="Find stuck harvest jobs and dead consumers; clean old objects")
@click.option("--stuck-hours", type=click.FloatRange(min=0.01), default=6.0, show_default=True,
              help="A Running job older than this with no progress within it is stuck.")
@click.option("--keep-days", type=click.IntRange(min=1), default=30, show_default=True,
              help="Harvest objects older than this are dropped, except the latest of each dataset.")
@click.option("--fix", is_flag=True, help="Abort the stuck jobs and drop the old objects (default: only report).")
def harvest_doctor(stuck_hours: float, keep_days: int, fix: bool) -> None:
    """Report (and with --fix repair) what keeps the harvesters from running. Exits 1 when a job is
    stuck or a consumer is missing, so that a monitor can alert."""
    from ckanext.govcatalog.harvest import doctor

    report = doctor.examine(stuck_hours, keep_days, fix)
    for job in report.stuck:
        click.echo(f"stuck job {job['id']} (source {job['source_id']}): started {job['gather_started']}, "
                   f"last progress {job['last_progress'] or 'never'}")
    for kind in ("gather", "fetch"):
        count = report.consumers[kind]
        click.echo(f"{kind} consumers: {count} running, {report.waiting[kind]} waiting"
                   + ("" if count else " - DEAD: start `ckan govcatalog harvest-consumer "
                      f"{kind}` (deploy/govcatalog-harvest-{kind}.service restarts it)"))
    click.echo(f"Summary: {len(report.stuck)} stuck jobs ({report.aborted} aborted), "
               f"{len(report.dead_consumers)} dead consumer kinds, {report.old_objects} old harvest objects "
               f"({report.dropped_objects} dropped).")
    if not report.healthy() and not fix:
        raise SystemExit(1)


@click.command(name="harvest-consumer", short_help="Run ckanext-harvest's gather or fetch consumer, idle-proof")
@click.argument("kind", type=click.Choice(["gather", "fetch"]))
def harvest_consumer(kind: str) -> None:
    """ckanext-harvest's stock consumer with a Redis connection that blocks while the queue is idle
    (with CKAN 2.12's redis client the stock one exits after 5 idle seconds: ckanext-harvest issue 581).
    Run it under systemd (deploy/govcatalog-harvest-*.service) so that it comes back whatever ends it."""
    from ckanext.harvest import utils

    from ckanext.govcatalog.harvest import doctor

    doctor.blocking_redis_consumers()
    if kind == "gather":
        utils.gather_consumer()
    else:
        utils.fetch_consumer()
