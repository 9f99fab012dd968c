"""Shared set-up of the bench scripts: a throw-away database, its ini file, the CKAN app context.

The benchmarks never touch the developer's database: they drop and recreate their own
(``govcatalog_bench`` by default), owned by the project role, and migrate it with ``ckan db upgrade``.
"""
from __future__ import annotations

import configparser
import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator, Optional

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
DB_USER = os.environ.get("GOVCATALOG_DB_USER", "govcatalog")
DB_NAME = os.environ.get("GOVCATALOG_BENCH_DB", "govcatalog_bench")
DB_HOST = "127.0.0.1"
# A Redis database of its own, so that caches and queues never mix with `make run`'s (db 1).
REDIS_URL = os.environ.get("GOVCATALOG_BENCH_REDIS", "redis://127.0.0.1:6379/3")
# The search backend, the policy plugin (permission labels, index hooks) and the schema the demo data
# needs (scheming settings come from ckan.ini). Override with GOVCATALOG_BENCH_PLUGINS.
PLUGINS = os.environ.get("GOVCATALOG_BENCH_PLUGINS", "govcatalog_search govcatalog scheming_datasets")

_psql: Optional[list[str]] = None


def _superuser_psql() -> list[str]:
    """A psql command line that runs as the PostgreSQL superuser.

    Trusted TCP first (this machine); otherwise the way bin/bootstrap.sh does it (peer auth).
    """
    global _psql
    if _psql is not None:
        return _psql
    candidates = [["psql", "-h", DB_HOST, "-U", "postgres", "-w", "-d", "postgres"]]
    if os.geteuid() == 0:
        candidates.append(["runuser", "-u", "postgres", "--", "psql", "-d", "postgres"])
    else:
        candidates.append(["sudo", "-n", "-u", "postgres", "psql", "-d", "postgres"])
    for command in candidates:
        probe = subprocess.run(command + ["-qtAc", "SELECT 1"], capture_output=True, text=True)
        if probe.returncode == 0:
            _psql = command
            return command
    raise SystemExit("Cannot run psql as the PostgreSQL superuser (tried TCP trust and sudo/runuser).")


def pg_super(sql: str) -> str:
    done = subprocess.run(
        _superuser_psql() + ["-v", "ON_ERROR_STOP=1", "-qtAc", sql], capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"psql failed on {sql!r}: {done.stderr.strip()}")
    return done.stdout.strip()


def bench_db_url() -> str:
    """ckan.ini's database URL (bin/bootstrap.sh writes it, password included) with the bench database."""
    from sqlalchemy.engine import make_url

    parser = configparser.RawConfigParser(strict=False)
    parser.read(base_ini(), encoding="utf-8")
    url = parser.get("app:main", "sqlalchemy.url", fallback=None)
    if not url:
        raise SystemExit(f"No sqlalchemy.url in {base_ini()}: run `bin/bootstrap.sh migrate` first.")
    return make_url(url).set(database=DB_NAME).render_as_string(hide_password=False)


def base_ini() -> Path:
    path = ROOT / "ckan.ini"
    if not path.is_file():
        raise SystemExit(f"{path} is missing: run `bin/bootstrap.sh migrate` first.")
    return path


def recreate_database() -> None:
    """Drop and create the bench database (never the developer's: the name must end in _bench)."""
    if not DB_NAME.endswith("_bench"):
        raise SystemExit(f"Refusing to drop {DB_NAME!r}: bench databases end in _bench.")
    pg_super(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    pg_super(f"CREATE DATABASE \"{DB_NAME}\" OWNER {DB_USER} ENCODING 'UTF8' TEMPLATE template0")


def write_ini(filename: str = "bench.ini", settings: Optional[dict[str, str]] = None) -> Path:
    """An ini that inherits ckan.ini and points at the bench database, with quiet logging.

    ``settings`` are extra ``[app:main]`` options (they override ckan.ini's); ``filename`` names
    the ini under bench/results/ (scripts that run several configurations write one each).
    """
    base = base_ini()
    RESULTS.mkdir(parents=True, exist_ok=True)
    ini = RESULTS / filename
    url = bench_db_url().replace("%", "%%")  # the ini loader interpolates %(name)s
    extra = "".join(f"{key} = {value}\n" for key, value in (settings or {}).items())
    # Logging at WARNING: ckan.ini logs ckanext at DEBUG, which would be timed along with the work.
    ini.write_text(
        f"""[DEFAULT]
debug = false

[app:main]
use = config:{base}
sqlalchemy.url = {url}
ckan.plugins = {PLUGINS}
ckan.redis.url = {REDIS_URL}
ckanext.govcatalog.search.backend = postgres
{extra}
[loggers]
keys = root, ckan, ckanext

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARNING
handlers = console

[logger_ckan]
level = WARNING
handlers = console
qualname = ckan
propagate = 0

[logger_ckanext]
level = WARNING
handlers = console
qualname = ckanext
propagate = 0

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(asctime)s %(levelname)-5.5s [%(name)s] %(message)s
""",
        encoding="utf-8",
    )
    ini.chmod(0o600)  # it holds the database password
    return ini


def fresh_bench_db(filename: str = "bench.ini", settings: Optional[dict[str, str]] = None) -> Path:
    """Recreate and migrate the bench database; returns the ini file to load (see write_ini)."""
    recreate_database()
    ini = write_ini(filename, settings)
    ckan = Path(sys.executable).parent / "ckan"
    done = subprocess.run([str(ckan), "-c", str(ini), "db", "upgrade"], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"ckan db upgrade failed:\n{done.stdout}\n{done.stderr}")
    return ini


@contextlib.contextmanager
def app_context(ini: Path) -> Iterator[Any]:
    """CKAN's app with its plugins loaded, inside a request context (actions need one)."""
    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    app = make_app(load_config(str(ini)))
    with app._wsgi_app.test_request_context():
        yield app


def ensure_sysadmin(name: str = "admin") -> None:
    import secrets

    import ckan.model as model
    import ckan.plugins.toolkit as tk

    if model.User.get(name) is None:
        tk.get_action("user_create")(
            {"ignore_auth": True},
            {"name": name, "email": f"{name}@bench.local", "password": secrets.token_urlsafe(16)},
        )
    user = model.User.get(name)
    user.sysadmin = True  # type: ignore[union-attr]
    model.Session.commit()


def code_version() -> str:
    """The commit measured, marked when the work tree has uncommitted changes."""
    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return commit + (" (with uncommitted changes)" if git("status", "--porcelain", "--untracked-files=no") else "")


def write_json(name: str, data: Any) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / name
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path
