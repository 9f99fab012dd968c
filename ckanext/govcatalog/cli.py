"""``ckan govcatalog ...`` commands."""
from __future__ import annotations

import click

__all__ = ["govcatalog"]


@click.group(short_help="Agency Data Catalog commands")
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
