"""``ckan govcatalog ...`` commands."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Optional

import click

__all__ = ["govcatalog"]


# Subcommands that the group gains while a plugin of the suite is on: plugin -> module whose
# __all__ names them (a plugin's cli.py cannot register a second `govcatalog` group of its own).
PLUGIN_COMMANDS = {"govcatalog_sync": "ckanext.govcatalog.sync.cli", "harvest": "ckanext.govcatalog.harvest.cli"}


class _SuiteGroup(click.Group):
    def _plugin_commands(self) -> dict[str, click.Command]:
        import importlib

        import ckan.plugins as p

        found: dict[str, click.Command] = {}
        for plugin, module_name in PLUGIN_COMMANDS.items():
            if p.plugin_loaded(plugin):
                module = importlib.import_module(module_name)
                found.update({c.name: c for c in (getattr(module, n) for n in module.__all__) if c.name})
        return found

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self._plugin_commands()))

    def get_command(self, ctx: click.Context, cmd_name: str) -> Optional[click.Command]:
        return super().get_command(ctx, cmd_name) or self._plugin_commands().get(cmd_name)


@click.group(cls=_SuiteGroup, short_help="Agency Data Catalog commands")
def govcatalog() -> None:
    """Agency Data Catalog (ckanext-govcatalog) commands."""


@govcatalog.command()
@click.option("--quiet", is_flag=True, help="Do not print the demo users' passwords.")
def demo(quiet: bool) -> None:
    """Create the demo users, organizations and Thai datasets (idempotent)."""
    from ckanext.govcatalog.demo import loader

    report = loader.load_demo()
    click.secho(
        f"Demo data: {report.organizations_created} organizations and "
        f"{report.datasets_created} datasets created, {report.datasets_existing} already there.",
        fg="green",
    )
    if report.new_passwords and not quiet:
        click.secho("New demo users (passwords are shown only this once):", bold=True)
        for name, password in report.new_passwords.items():
            click.echo(f"  {name:40} {password}")


@govcatalog.command(name="import")
@click.option("--from-api", "api_url", metavar="URL", help="Base URL of the source CKAN (e.g. https://catalog.example.go.th).")
@click.option("--from-jsonl", "jsonl_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A JSON-lines dump: one package dict a line.")
@click.option("--organization", help="Put every dataset in this local organization (default: the source's).")
@click.option("--state", "state_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to keep progress for resuming (default: .govcatalog-import-<source>.json).")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the per-dataset report as JSON here.")
def import_(api_url: Optional[str], jsonl_path: Optional[Path], organization: Optional[str],
            state_path: Optional[Path], report_path: Optional[Path]) -> None:
    """Import datasets from an existing agency catalog (same field names), validating each one.

    A token for a private source API is read from the GOVCATALOG_IMPORT_TOKEN environment
    variable (never from the command line, where other users could read it).
    """
    from ckanext.govcatalog import importer

    if bool(api_url) == bool(jsonl_path):
        raise click.UsageError("Give exactly one of --from-api or --from-jsonl")
    source = api_url or str(jsonl_path)
    state = importer.ImportState.load(
        state_path or Path(f".govcatalog-import-{hashlib.sha1(source.encode()).hexdigest()[:10]}.json"))
    try:
        total, records = (importer.api_records(api_url, os.environ.get("GOVCATALOG_IMPORT_TOKEN")) if api_url
                          else importer.jsonl_records(jsonl_path))  # type: ignore[arg-type]
        run = importer.Importer(state, organization)
        report = importer.ImportReport()
        with click.progressbar(records, length=total, label="Importing", show_pos=True) as bar:
            for record in bar:
                run.import_one(record, report)
    except importer.ImportSourceError as error:
        raise click.ClickException(str(error)) from error
    if report_path:
        report_path.write_text(json.dumps(report.as_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
    click.secho(f"created {len(report.created)}, updated {len(report.updated)}, "
                f"already done {len(report.skipped)}, failed {len(report.failed)}",
                fg="red" if report.failed else "green")
    for name, errors in report.failed.items():
        click.echo(f"  {name}: {json.dumps(errors, ensure_ascii=False)}")
    if report.failed:
        raise SystemExit(1)


@govcatalog.command(name="changes-cleanup")
@click.option("--days", type=click.IntRange(min=1), help="Keep this many days (default: the retention setting).")
def changes_cleanup(days: Optional[int]) -> None:
    """Drop changes older than the change feed's retention (run daily, e.g. from cron)."""
    import ckan.model as model

    from ckanext.govcatalog.harvest import feed

    dropped = feed.cleanup(days)
    model.Session.commit()
    click.echo(f"Change feed: {dropped} old changes dropped.")
