"""A built wheel carries everything a catalog needs: the schema, the migrations, the translations.

The wheel is installed into a fresh virtual environment (CKAN and the other dependencies come from
the test environment through a path file, the checkout itself does not), then `ckan db upgrade`
runs every plugin's migrations from the wheel and the scheming schema loads from it.
"""
from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from pathlib import Path

import pytest

import ckan.plugins.toolkit as tk

from ckanext.govcatalog.tests import servers

PLUGINS = "govcatalog_search govcatalog govcatalog_workflow scheming_datasets activity"
MIGRATED_PLUGINS = ("govcatalog", "govcatalog_search", "govcatalog_workflow")


def _run(*command: str, **kwargs) -> str:
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    assert done.returncode == 0, f"{' '.join(command)}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    _run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(out),
         str(servers.ROOT))
    [built] = out.glob("ckanext_govcatalog-*.whl")
    return built


@pytest.fixture(scope="module")
def fresh_python(wheel, tmp_path_factory) -> Path:
    """A new venv holding only the wheel; the dependencies are reached through a .pth file."""
    venv = tmp_path_factory.mktemp("venv")
    _run(sys.executable, "-m", "venv", "--without-pip", str(venv))
    python = venv / "bin" / "python"
    _run(sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index",
         str(wheel))
    site_packages = Path(_run(str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))").strip())
    (site_packages / "test-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return python


def test_wheel_holds_schema_migrations_and_translations(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {"ckanext/govcatalog/schemas/dataset.yaml", "ckanext/govcatalog/schemas/presets.yaml",
                "ckanext/govcatalog/i18n/th/LC_MESSAGES/ckanext-govcatalog.mo"}
    shipped = [folder.name for folder in (servers.ROOT / "migrations").iterdir() if (folder / "env.py").exists()]
    assert set(MIGRATED_PLUGINS) <= set(shipped)
    for plugin in shipped:
        expected.add(f"ckanext/govcatalog/migration/{plugin}/alembic.ini")
        expected.add(f"ckanext/govcatalog/migrations/{plugin}/env.py")
        for script in (servers.ROOT / "migrations" / plugin / "versions").glob("*.py"):
            expected.add(f"ckanext/govcatalog/migrations/{plugin}/versions/{script.name}")
    assert expected - names == set()


def test_catalog_upgrades_and_loads_its_schema_from_the_wheel(fresh_python, tmp_path):
    ini = servers.second_catalog_ini(tmp_path, tk.config["sqlalchemy.url"], "wheel", servers.free_port(), PLUGINS,
                                     tk.config["ckan.redis.url"])
    env = dict(os.environ, PYTHONPATH="")
    # typing first, as a console script would have: ckan/__init__ puts its own folder (with a types/
    # package) first on sys.path, which would shadow the standard library's types.
    cli = "import sys, typing; from ckan.cli.cli import ckan; sys.exit(ckan())"
    ckan = (str(fresh_python), "-c", cli, "-c", str(ini))
    _run(*ckan, "db", "clean", "--yes", cwd=tmp_path, env=env)
    _run(*ckan, "db", "upgrade", cwd=tmp_path, env=env)
    for plugin in MIGRATED_PLUGINS:
        assert "(head)" in _run(*ckan, "db", "version", "-p", plugin, cwd=tmp_path, env=env)

    probe = textwrap.dedent(f"""
        import typing
        import ckanext.govcatalog, ckanext.scheming.helpers as schemes
        from ckan.cli import load_config
        from ckan.config.middleware import make_app
        app = make_app(load_config({str(ini)!r}))
        with app._wsgi_app.test_request_context():
            schema = schemes.scheming_get_dataset_schema("dataset")
        print(ckanext.govcatalog.__file__)
        print(" ".join(field["field_name"] for field in schema["dataset_fields"]))
    """)
    module_file, fields = _run(str(fresh_python), "-c", probe, cwd=tmp_path, env=env).strip().splitlines()[-2:]
    assert module_file.startswith(str(fresh_python.parents[1])), module_file  # the wheel, not the checkout
    assert {"data_category", "data_classification", "allow_harvest"} <= set(fields.split())
