"""Push vs pull, in the same run: the sync pushes N published datasets from an agency catalog to a
loopback target catalog, and ckanext-harvest's stock CKAN harvester pulls the same N from the
agency catalog into a third catalog. Prints both rates (datasets per second).

    .venv/bin/python bench/sync.py                  # N=1000
    .venv/bin/python bench/sync.py --datasets 200 --concurrency 8

Target (issue 9): the push at least 5x the harvester's datasets per second.

Three databases of their own (``<bench db>_sync_source``, ``_sync_target``, ``_sync_harvest``, each
dropped and recreated), Redis from GOVCATALOG_BENCH_REDIS. Both catalogs that answer HTTP are served
the same way, as `make run` serves the catalog: gunicorn with deploy/gunicorn.conf.py (one worker
process per CPU, eight threads each; ``--server dev`` for ``ckan run --threaded``):
the target of the push, and the agency catalog the harvester pulls from. The push runs in this
process (``service.run``: payload from the policy, ``--concurrency`` calls side by side); the
harvest runs as ``ckan harvester run-test`` (gather, fetch and import in one process: the stock
harvester imports one dataset at a time), timed from the process start minus the start-up time of
a no-op command of the same catalog. Logging at WARNING in all three catalogs.
Writes bench/results/sync-N.json, with ``uptime`` before and after (the machine may be shared).

Rates on a shared machine depend on its load; the CPU time each side spent per dataset does much
less, so it is printed too: the push's (this process, planning and recording, plus the target's
server processes) and the harvest's (the harvester process, less the start-up of a no-op command,
plus the harvested catalog's server processes). PostgreSQL's share is not counted on either side.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import re
import resource
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any, Iterator

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

sys.path.insert(0, str(common.ROOT))
from ckanext.govcatalog.tests import servers  # noqa: E402
from ckanext.govcatalog.tests.schema.payloads import dataset_payload  # noqa: E402

TARGET_RATIO = 5.0
SCHEMA = {"scheming.dataset_schemas": "ckanext.govcatalog:../../schemas/dataset.yaml",
          "scheming.presets": "ckanext.scheming:presets.json ckanext.govcatalog:../../schemas/presets.yaml"}


def database(suffix: str) -> str:
    name = f"{common.DB_NAME}_sync_{suffix}"
    common.pg_super(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    common.pg_super(f"CREATE DATABASE {name} OWNER {common.DB_USER} ENCODING 'UTF8' TEMPLATE template0")
    return re.sub(r"/[^/?]+(\?.*)?$", f"/{name}", common.bench_db_url())


QUIET_LOGGING = """
[loggers]
keys = root

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARNING
handlers = console

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %%(asctime)s %%(levelname)-5.5s [%%(name)s] %%(message)s
"""


def ini(name: str, db_url: str, port: int, plugins: str, extra: dict[str, str]) -> Path:
    path = common.ROOT / ".run" / f"bench-sync-{name}.ini"
    settings = {"sqlalchemy.url": db_url.replace("%", "%%"), "ckan.site_url": f"http://127.0.0.1:{port}",
                "ckan.plugins": plugins, "ckan.site_id": f"bench-{name}", "ckan.redis.url": common.REDIS_URL,
                **SCHEMA, **extra}
    path.write_text("[DEFAULT]\ndebug = false\n\n[app:main]\nuse = config:" + str(common.ROOT / "ckan.ini") + "\n"
                    + "".join(f"{k} = {v}\n" for k, v in settings.items()) + QUIET_LOGGING)
    path.chmod(0o600)  # it holds the database password
    return path


def gunicorn_shape() -> tuple[int, int]:
    """Worker processes and threads each, as deploy/gunicorn.conf.py computes them (environment included)."""
    import runpy

    conf = runpy.run_path(str(common.ROOT / "deploy" / "gunicorn.conf.py"))
    return int(conf["workers"]), int(conf["threads"])


SERVED: dict[str, subprocess.Popen[bytes]] = {}  # name -> the server process while it serves


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a live process and all its descendants."""
    total = 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                total += tree_cpu(int(child))
    except (OSError, IndexError, ValueError):  # gone meanwhile
        pass
    return total


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def children_cpu() -> float:
    """CPU seconds of the child processes waited for so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@contextlib.contextmanager
def serve(ini_path: Path, port: int, name: str, server: str) -> Iterator[str]:
    """A catalog on loopback: gunicorn as `make run` starts it, or CKAN's threaded dev server."""
    url = f"http://127.0.0.1:{port}"
    if server == "gunicorn":
        command = [str(Path(servers.CKAN).with_name("gunicorn")), "-c",
                   str(common.ROOT / "deploy" / "gunicorn.conf.py"), "deploy.wsgi:application"]
    else:
        command = [servers.CKAN, "-c", str(ini_path), "run", "--host", "127.0.0.1", "--port", str(port),
                   "--disable-reloader", "--threaded"]
    env = dict(os.environ, CKAN_INI=str(ini_path), GOVCATALOG_PORT=str(port), CKAN_SITE_URL=url,
               GOVCATALOG_ACCESS_LOG=os.devnull, GOVCATALOG_LOG_LEVEL="warning")
    with open(common.ROOT / ".run" / f"bench-sync-{name}.log", "w") as log:
        process = subprocess.Popen(command, cwd=common.ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            servers.wait_until_up(url, process, seconds=120)
            SERVED[name] = process
            yield url
        finally:
            SERVED.pop(name, None)
            process.terminate()
            process.wait(60)


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def ckan(ini_path: Path, *args: str) -> str:
    return subprocess.run([servers.CKAN, "-c", str(ini_path), *args], cwd=common.ROOT, check=True,
                          capture_output=True, text=True).stdout


def token(ini_path: Path, user: str) -> str:
    ckan(ini_path, "user", "add", user, f"email={user}@bench.invalid", "password=bench-password-1")
    ckan(ini_path, "sysadmin", "add", user)
    return ckan(ini_path, "user", "token", "add", user, "bench").strip().splitlines()[-1].strip()


def api(url: str, action: str, key: str, **data: Any) -> Any:
    request = urllib.request.Request(f"{url}/api/3/action/{action}", data=json.dumps(data).encode(),
                                     headers={"Content-Type": "application/json", "Authorization": key})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())["result"]


def seed_and_push(source_ini: Path, n: int, start_target: Any, concurrency: int
                  ) -> tuple[float, str, int, dict[str, float]]:
    """N published open datasets in the agency catalog (no workflow plugin there: public is
    published), then the timed push of all of them to the target."""
    import ckan.plugins.toolkit as tk
    from ckan import model

    from ckanext.govcatalog.sync import service, targets

    with common.app_context(source_ini):
        site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
        context = {"user": site_user, "ignore_auth": True}
        org = tk.get_action("organization_create")(dict(context), {"name": "bench-agency", "title": "Bench agency"})
        ids = []
        for i in range(n):
            payload = dataset_payload(org["id"], f"bench-{i:05d}", private=False)
            ids.append(tk.get_action("package_create")(dict(context), payload)["id"])
            model.Session.remove()
        if os.environ.get("GOVCATALOG_BENCH_PLAN_ONLY"):
            start = time.perf_counter()
            chosen = targets.all_targets()
            for package_id in ids:
                service.plan(package_id, chosen[0])
            print(f"planning alone: {time.perf_counter() - start:.1f} s", flush=True)
        with start_target():
            settings = service.SETTINGS_FACTORY()
            settings.workers = concurrency
            target_pid = SERVED["target"].pid
            cpu = (own_cpu(), tree_cpu(target_pid))
            start = time.perf_counter()
            summary = service.run(ids, targets.all_targets(), settings=settings)
            seconds = time.perf_counter() - start
            spent = {"ours": own_cpu() - cpu[0], "server": tree_cpu(target_pid) - cpu[1]}
            return seconds, str(summary), len(ids), spent


def cpu_per_dataset(spent: dict[str, float], n: int, ours: str, server: str) -> dict[str, float]:
    """Milliseconds of CPU per dataset: the client side, the server side and both."""
    if n <= 0:
        return {}
    per = {ours: round(spent["ours"] * 1000 / n, 1), server: round(spent["server"] * 1000 / n, 1)}
    return dict(per, total=round(sum(per.values()), 1))


def count_active(db_url: str) -> int:
    import sqlalchemy as sa

    engine = sa.create_engine(db_url)
    with engine.connect() as connection:
        query = "SELECT count(*) FROM package WHERE state = 'active' AND type = 'dataset'"
        return connection.execute(sa.text(query)).scalar_one()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", type=int, default=1000)
    parser.add_argument("--concurrency", "--workers", type=int, default=8,
                        help="calls to the target at the same time (ckanext.govcatalog.sync.workers)")
    parser.add_argument("--server", choices=("gunicorn", "dev"), default="gunicorn",
                        help="how the target and the harvested catalog are served")
    args = parser.parse_args()
    (common.ROOT / ".run").mkdir(exist_ok=True)
    source_port, target_port = servers.free_port(), servers.free_port()
    serving = ("gunicorn, deploy/gunicorn.conf.py: {} processes x {} threads".format(*gunicorn_shape())
               if args.server == "gunicorn" else "ckan run --threaded (one process)")

    target_ini = ini("target", database("target"), target_port, "govcatalog_search govcatalog scheming_datasets", {})
    ckan(target_ini, "db", "upgrade")
    target_token = token(target_ini, "bench-national")
    source_ini = ini("source", database("source"), source_port,
                     "govcatalog_search govcatalog scheming_datasets govcatalog_sync", {
                         "ckanext.govcatalog.sync.targets": "national",
                         "ckanext.govcatalog.sync.target.national.url": f"http://127.0.0.1:{target_port}",
                         "ckanext.govcatalog.sync.target.national.kind": "data_go_th",
                         "ckanext.govcatalog.sync.target.national.organization": "national-bench",
                         "ckanext.govcatalog.sync.workers": str(args.concurrency)})
    ckan(source_ini, "db", "upgrade")
    harvest_db = database("harvest")
    harvest_ini = ini("harvest", harvest_db, servers.free_port(),
                      "govcatalog_search govcatalog scheming_datasets harvest ckan_harvester", {})
    ckan(harvest_ini, "db", "upgrade")
    os.environ["GOVCATALOG_SYNC_TOKEN_NATIONAL"] = target_token

    results: dict[str, Any] = {"datasets": args.datasets, "concurrency": args.concurrency, "server": serving,
                               "cpus": multiprocessing.cpu_count(), "version": common.code_version(),
                               "uptime_before": uptime()}
    print(f"uptime: {results['uptime_before']}", flush=True)
    print(f"Seeding {args.datasets} published open datasets, then pushing them...", flush=True)

    @contextlib.contextmanager
    def start_target() -> Iterator[None]:
        with serve(target_ini, target_port, "target", args.server) as url:
            api(url, "organization_create", target_token, name="national-bench")
            yield

    seconds, summary, n, spent = seed_and_push(source_ini, args.datasets, start_target, args.concurrency)
    results["push"] = {"seconds": round(seconds, 2), "per_second": round(n / seconds, 1), "summary": summary,
                       "how": f"target served by {serving}; {args.concurrency} calls at a time from one process",
                       "cpu_ms_per_dataset": cpu_per_dataset(spent, n, "the pushing process", "the target's server")}
    print(f"push:    {n} datasets in {seconds:.1f} s = {n / seconds:.1f}/s ({summary})", flush=True)
    print(f"         {results['push']['how']}", flush=True)
    print(f"         CPU per dataset: {results['push']['cpu_ms_per_dataset']}", flush=True)
    results["uptime_between"] = uptime()
    print(f"uptime: {results['uptime_between']}", flush=True)

    with serve(source_ini, source_port, "source", args.server) as source_url:
        subprocess.run([sys.executable, "-c", (
            "import sys; sys.path.insert(0, 'bench'); import common, ckan.plugins.toolkit as tk\n"
            f"with common.app_context(common.Path({str(harvest_ini)!r})):\n"
            "    tk.get_action('organization_create')({'ignore_auth': True, 'user': tk.get_action('get_site_user')("
            "{'ignore_auth': True}, {})['name']}, {'name': 'harvested'})")], cwd=common.ROOT, check=True,
            capture_output=True)
        # the source is created; only harvest's printing of it afterwards may fail (status not shown)
        subprocess.run([servers.CKAN, "-c", str(harvest_ini), "harvester", "source", "create", "bench-source",
                        source_url, "ckan", "Bench source", "true", "harvested"], cwd=common.ROOT,
                       capture_output=True)
        start, before = time.perf_counter(), children_cpu()
        ckan(harvest_ini, "harvester", "sources")
        startup, startup_cpu = time.perf_counter() - start, children_cpu() - before
        source_pid = SERVED["source"].pid
        cpu = (children_cpu(), tree_cpu(source_pid))
        start = time.perf_counter()
        output = subprocess.run([servers.CKAN, "-c", str(harvest_ini), "harvester", "run-test", "bench-source"],
                                cwd=common.ROOT, capture_output=True, text=True)
        seconds = time.perf_counter() - start - startup
        harvest_spent = {"ours": children_cpu() - cpu[0] - startup_cpu, "server": tree_cpu(source_pid) - cpu[1]}
    harvested = count_active(harvest_db)
    results["harvest"] = {"seconds": round(seconds, 2), "datasets": harvested,
                          "per_second": round(harvested / seconds, 1) if seconds > 0 else None,
                          "exit": output.returncode,
                          "how": f"harvested catalog served by {serving}; stock `ckan harvester run-test` "
                                 "(gather, fetch, import in one process)",
                          "cpu_ms_per_dataset": cpu_per_dataset(harvest_spent, harvested, "the harvester process",
                                                                "the harvested catalog's server")}
    print(f"harvest: {harvested} datasets in {seconds:.1f} s = {results['harvest']['per_second']}/s "
          f"(exit {output.returncode})", flush=True)
    print(f"         {results['harvest']['how']}", flush=True)
    print(f"         CPU per dataset: {results['harvest']['cpu_ms_per_dataset']}", flush=True)
    if output.returncode != 0 or harvested < args.datasets:
        print(output.stdout[-2000:], output.stderr[-2000:])
    results["uptime_after"] = uptime()
    print(f"uptime: {results['uptime_after']}", flush=True)
    if results["harvest"]["per_second"]:
        ratio = results["push"]["per_second"] / results["harvest"]["per_second"]
        results["ratio"] = round(ratio, 2)
        print(f"push / harvest: {ratio:.1f}x (target {TARGET_RATIO:g}x): "
              f"{'met' if ratio >= TARGET_RATIO else 'NOT met'}")
    print(common.write_json(f"sync-{args.datasets}", results))


if __name__ == "__main__":
    main()
