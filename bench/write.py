"""Dataset create and update with the full schema, policy, workflow and search index, against vanilla
CKAN 2.12 with ckanext-scheming's default schema, measured in the same run.

    .venv/bin/python bench/write.py                   # N=300, each configuration run twice
    .venv/bin/python bench/write.py --datasets 150 --repeat 1
    .venv/bin/python bench/write.py --profile         # also cProfile ours and vanilla (not timed runs)
    .venv/bin/python bench/write.py --repeat 0 --profile --datasets 150   # the profiles only

Target (the issue): ours at most 1.5x the vanilla time, for create and for update.

Each configuration runs in a process of its own (CKAN's plugins are process-global): this script
spawns itself with ``--config NAME`` and collects the JSON each child writes. Each child drops,
recreates and migrates its own database (names ending in ``_bench``):

- ``ours``: govcatalog_search govcatalog scheming_datasets govcatalog_workflow activity (the shipped
  set minus dcat/harvest), the มสพร.1/2566 schema; database govcatalog_bench.
- ``vanilla``: govcatalog_search scheming_datasets activity, scheming's default schema
  (ckanext.scheming:ckan_dataset.yaml) and presets; database govcatalog_vanilla_bench.
  Vanilla CKAN cannot index without Solr: govcatalog_search is loaded ONLY as the index, so that
  package_create/package_update work; its indexing cost is therefore in the vanilla time too.
- ``vanilla-noindex``: the same, with ckan.lib.search.index.make_connection patched to a connection
  whose add/delete/commit do nothing: CKAN's own work without writing any index. NOT a strict lower
  bound: with an empty index, package_show cannot take the validated dict it caches there (it
  dictizes and validates from the database instead), so this can be slower than ``vanilla``.

Workload, per configuration, as an organization editor (a real user with the editor role,
context {"user": name}, no ignore_auth: authorization and policy run):
1. package_create of N datasets (ours: the full payload with one resource; vanilla: the fields
   scheming's default schema has, with one resource);
2. package_update of each once (title and notes changed, the full dict from package_show);
3. ours only: every dataset is submitted (editor) and approved (organization admin), not timed;
   then package_update of each published dataset, timed: it becomes a pending revision (the
   workflow's chained package_update), which is the workflow's real cost.
Before each timed phase, the same phase on 10 warm-up datasets, not timed. Runs after the first
alternate the order of the configurations (machine load that drifts spreads over all of them). The session is removed
after each operation (not timed), as at the end of a web request.
Writes bench/results/write-N.json.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

TARGET_RATIO = 1.5
WARMUP = 10
NOISE = 0.20  # runs of one configuration that differ by more than this are both reported as differing

CONFIGS: dict[str, dict[str, Any]] = {
    "ours": {
        "db": "govcatalog_bench",
        "plugins": "govcatalog_search govcatalog scheming_datasets govcatalog_workflow activity",
        "settings": {
            "scheming.dataset_schemas": "ckanext.govcatalog.schemas:dataset.yaml",
            "scheming.presets": "ckanext.scheming:presets.json ckanext.govcatalog.schemas:presets.yaml",
        },
        "noindex": False,
    },
    "vanilla": {
        "db": "govcatalog_vanilla_bench",
        "plugins": "govcatalog_search scheming_datasets activity",
        "settings": {
            "scheming.dataset_schemas": "ckanext.scheming:ckan_dataset.yaml",
            "scheming.presets": "ckanext.scheming:presets.json",
        },
        "noindex": False,
    },
    "vanilla-noindex": {
        "db": "govcatalog_vanilla_bench",
        "plugins": "govcatalog_search scheming_datasets activity",
        "settings": {
            "scheming.dataset_schemas": "ckanext.scheming:ckan_dataset.yaml",
            "scheming.presets": "ckanext.scheming:presets.json",
        },
        "noindex": True,
    },
}
ORDER = ("ours", "vanilla", "vanilla-noindex")

EDITOR, ORG_ADMIN, ORG = "bench-editor", "bench-org-admin", "bench-write-office"


# --- payloads ------------------------------------------------------------------------

def texts(i: int, rnd: random.Random) -> dict[str, str]:
    """Varied Thai titles, descriptions and tags (identical text would only hit the Thai segmentation cache)."""
    from search import BREAKDOWNS, FILLERS_TH, MEASURES, PROVINCES, TOPICS

    th_topic, en_topic, _ = rnd.choice(TOPICS)
    th_prov, en_prov = rnd.choice(PROVINCES)
    th_measure, en_measure, _ = rnd.choice(MEASURES)
    th_break, en_break = rnd.choice(BREAKDOWNS)
    year = rnd.randint(2555, 2567)
    return {
        "title": f"{th_measure}{th_topic}{th_break} จังหวัด{th_prov} พ.ศ. {year}",
        "notes": f"{th_measure}{th_topic}{th_break}ของจังหวัด{th_prov} ปี พ.ศ. {year} "
                 f"{' '.join(rnd.sample(FILLERS_TH, 2))} ({en_measure} {en_topic}, {en_prov}, {en_break}; #{i})",
        "tag_string": f"{th_topic}, {th_prov}, {en_topic}",
        # CKAN's own tag validator refuses Thai combining vowels: vanilla gets as many English tags
        "tag_string_en": f"{en_topic}, {en_prov}, {en_break}",
        "topic": th_topic,
    }


def payload(config: str, i: int, rnd: random.Random, org_id: str) -> dict[str, Any]:
    t = texts(i, rnd)
    name = f"bench-write-{i:05d}"
    if config == "ours":
        from ckanext.govcatalog.tests.schema.payloads import DATA_TYPES, dataset_payload

        return dataset_payload(org_id, name, DATA_TYPES[i % len(DATA_TYPES)], title=t["title"], notes=t["notes"],
                               tag_string=t["tag_string"], maintainer=f"กลุ่มงานข้อมูล{t['topic']}")
    # scheming's default schema (ckan_dataset.yaml): every field it has, and one resource
    return {
        "name": name, "title": t["title"], "notes": t["notes"], "tag_string": t["tag_string_en"],
        "license_id": "cc-by", "owner_org": org_id, "url": f"https://data.example.org/{name}",
        "version": "1.0", "author": "สำนักงานสถิติจังหวัด", "author_email": "stat@agency.go.th",
        "maintainer": f"กลุ่มงานข้อมูล{t['topic']}", "maintainer_email": "data@agency.go.th",
        "resources": [{"name": "ไฟล์ข้อมูล", "url": "http://127.0.0.1/data.csv", "format": "CSV",
                       "description": f"ไฟล์ CSV ของชุดข้อมูล{t['topic']}"}],
    }


# --- the child: one configuration -------------------------------------------------------

def percentile(values: list[float], fraction: float) -> float:
    from search import percentile as nearest_rank

    return nearest_rank(values, fraction)


def summary(timings_s: list[float]) -> dict[str, Any]:
    ms = [t * 1000 for t in timings_s]
    return {"count": len(ms), "total_s": sum(timings_s), "mean_ms": statistics.fmean(ms),
            "p50_ms": percentile(ms, 0.50), "p95_ms": percentile(ms, 0.95), "max_ms": max(ms)}


class Phase:
    """Times one operation per dataset; optionally under cProfile (then the times are not reported)."""

    def __init__(self, profile_to: Optional[Path]) -> None:
        self.profile_to = profile_to

    def run(self, name: str, items: list[Any], operation: Callable[[Any], Any],
            prepare: Callable[[Any], Any] = lambda item: item) -> tuple[list[float], list[Any]]:
        import ckan.model as model

        timings, results = [], []
        profiler = cProfile.Profile() if self.profile_to and not name.startswith("warmup") else None
        for item in items:
            argument = prepare(item)  # not timed (package_show for the update's input)
            model.Session.remove()
            if profiler:
                profiler.enable()
            started = time.perf_counter()
            result = operation(argument)
            elapsed = time.perf_counter() - started
            if profiler:
                profiler.disable()
            timings.append(elapsed)
            results.append(result)
            model.Session.remove()  # as at the end of a web request
        if profiler and self.profile_to:
            profiler.dump_stats(str(self.profile_to.with_name(f"{self.profile_to.name}-{name}.prof")))
        return timings, results


def child(config: str, n: int, seed: int, out: Path, profile_to: Optional[Path]) -> None:
    spec = CONFIGS[config]
    common.DB_NAME = spec["db"]  # read by recreate_database/bench_db_url when called
    common.PLUGINS = spec["plugins"]
    ini = common.fresh_bench_db(f"write-{config}.ini", spec["settings"])
    with common.app_context(ini):
        import ckan.model as model
        import ckan.plugins.toolkit as tk
        import sqlalchemy as sa

        from search import NoopConnection

        if spec["noindex"]:
            import ckan.lib.search.index as index

            index.make_connection = lambda *a, **k: NoopConnection()  # type: ignore[assignment]

        common.ensure_sysadmin("admin")
        for user in (EDITOR, ORG_ADMIN):
            tk.get_action("user_create")({"ignore_auth": True}, {
                "name": user, "email": f"{user}@bench.local", "password": "bench-password-" + user})
        org = tk.get_action("organization_create")({"user": "admin"}, {"name": ORG, "title": "สำนักงานทดสอบ"})
        for user, role in ((EDITOR, "editor"), (ORG_ADMIN, "admin")):
            tk.get_action("organization_member_create")({"user": "admin"},
                                                        {"id": org["id"], "username": user, "role": role})
        model.Session.remove()

        rnd = random.Random(seed)
        payloads = [payload(config, i, rnd, org["id"]) for i in range(WARMUP + n)]
        warm, timed = payloads[:WARMUP], payloads[WARMUP:]
        phase = Phase(profile_to)
        results: dict[str, Any] = {}
        checks: dict[str, Any] = {}

        def create(data: dict[str, Any]) -> dict[str, Any]:
            return tk.get_action("package_create")({"user": EDITOR}, data)

        def edited(name: str) -> dict[str, Any]:
            data = tk.get_action("package_show")({"user": EDITOR}, {"id": name})
            data["title"] = data["title"] + " (ปรับปรุง)"
            data["notes"] = data["notes"] + " แก้ไขคำอธิบายและปรับปรุงข้อมูลล่าสุด"
            return data

        def update(data: dict[str, Any]) -> dict[str, Any]:
            return tk.get_action("package_update")({"user": EDITOR}, data)

        phase.run("warmup-create", warm, create)
        t, created = phase.run("create", timed, create)
        results["create"] = summary(t)
        names = [p["name"] for p in timed]
        checks["created"] = len(created)
        phase.run("warmup-update", [p["name"] for p in warm], update, edited)
        t, updated = phase.run("update", names, update, edited)
        results["update"] = summary(t)
        checks["updated_titles"] = sum(1 for r in updated if r["title"].endswith("(ปรับปรุง)"))

        if config == "ours":
            checks["draft_after_create"] = sum(1 for r in created if r.get("workflow_state") == "draft")
            for name in [p["name"] for p in payloads]:  # not timed
                tk.get_action("govcatalog_workflow_submit")({"user": EDITOR}, {"id": name})
                tk.get_action("govcatalog_workflow_approve")({"user": ORG_ADMIN}, {"id": name})
                model.Session.remove()
            phase.run("warmup-update_published", [p["name"] for p in warm], update, edited)
            t, staged = phase.run("update_published", names, update, edited)
            results["update_published"] = summary(t)
            checks["pending_revisions"] = sum(1 for r in staged if r.get("workflow_pending_revision"))
            checks["live_titles_unchanged"] = sum(
                1 for r in staged if r["title"].endswith("(ปรับปรุง)") and not r["title"].endswith("(ปรับปรุง) (ปรับปรุง)"))
            # the workflow's mail jobs went to the bench's own Redis database: nobody will send them
            from ckan.lib import jobs

            from ckanext.govcatalog.workflow.notify import QUEUE

            checks["mail_jobs_discarded"] = jobs.get_queue(QUEUE).count
            jobs.get_queue(QUEUE).empty()

        indexed = None
        if "govcatalog_search" in spec["plugins"].split():
            indexed = model.Session.execute(sa.text("SELECT count(*) FROM govcatalog_search_document")).scalar_one()
        checks["indexed_documents"] = indexed
        postgres = model.Session.execute(sa.text("SHOW server_version")).scalar_one()

    out.write_text(json.dumps({"config": config, "plugins": spec["plugins"], "db": spec["db"],
                               "schema": spec["settings"]["scheming.dataset_schemas"], "noindex": spec["noindex"],
                               "results": results, "checks": checks, "postgres": postgres},
                              ensure_ascii=False, indent=2), encoding="utf-8")


# --- the parent: every configuration, ratios, report ------------------------------------------

def spawn(config: str, n: int, seed: int, profile: bool = False) -> dict[str, Any]:
    out = common.RESULTS / f"write-{config}.part.json"
    command = [sys.executable, str(Path(__file__).resolve()), "--config", config, "--datasets", str(n),
               "--seed", str(seed), "--out", str(out)]
    if profile:
        command += ["--profile-to", str(common.RESULTS / f"write-profile-{config}")]
    started = time.perf_counter()
    load = os.getloadavg()[0]
    print(f"  {config}{' (profiled)' if profile else ''}: N={n} ...", file=sys.stderr, flush=True)
    done = subprocess.run(command)
    if done.returncode != 0:
        raise SystemExit(f"The {config} run failed (exit {done.returncode}).")
    data = json.loads(out.read_text(encoding="utf-8"))
    out.unlink()
    data["wall_s"] = time.perf_counter() - started
    data["load_before"] = load
    data["load_after"] = os.getloadavg()[0]
    print(f"  {config}: done in {data['wall_s']:.0f} s (load average {load:.2f} -> {data['load_after']:.2f})",
          file=sys.stderr, flush=True)
    return data


def ratios(run: dict[str, dict[str, Any]]) -> dict[str, dict[str, Optional[float]]]:
    """ours/vanilla per operation, against both vanilla configurations; published update vs vanilla update."""
    pairs = {"create": "create", "update": "update", "update_published": "update"}
    out: dict[str, dict[str, Optional[float]]] = {}
    for ours_op, vanilla_op in pairs.items():
        ours = run["ours"]["results"].get(ours_op)
        out[ours_op] = {}
        for base in ("vanilla", "vanilla-noindex"):
            other = run.get(base, {}).get("results", {}).get(vanilla_op)
            out[ours_op][base] = ours["total_s"] / other["total_s"] if ours and other else None
    return out


def verdict(ratio: Optional[float]) -> str:
    return "-" if ratio is None else ("PASS" if ratio <= TARGET_RATIO else "FAIL")


def print_run(index: int, run: dict[str, dict[str, Any]], rat: dict[str, dict[str, Optional[float]]], n: int) -> None:
    print(f"\nRun {index}: N={n} datasets per configuration")
    print(f"  {'configuration':17} {'operation':19} {'total s':>8} {'mean ms':>8} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'max ms':>8}")
    for config in ORDER:
        for op, r in run[config]["results"].items():
            label = {"update_published": "update (published)", "update": "update (draft)" if config == "ours"
                     else "update"}.get(op, op)
            print(f"  {config:17} {label:19} {r['total_s']:8.2f} {r['mean_ms']:8.1f} {r['p50_ms']:8.1f} "
                  f"{r['p95_ms']:8.1f} {r['max_ms']:8.1f}")
    print(f"\n  ratio ours/vanilla (target <= {TARGET_RATIO}x)   vs vanilla+index          vs vanilla, no-op index")
    labels = {"create": "create", "update": "update (draft)", "update_published": "update (published) / vanilla update"}
    for op, by_base in rat.items():
        v, z = by_base["vanilla"], by_base["vanilla-noindex"]
        print(f"  {labels[op]:38} {v:5.2f}x {verdict(v):4}             {z:5.2f}x {verdict(z):4}")


def compare_runs(runs: list[dict[str, dict[str, Any]]]) -> list[str]:
    """Configurations/operations whose totals differ by more than NOISE between runs."""
    notes = []
    for config in ORDER:
        for op in runs[0][config]["results"]:
            totals = [run[config]["results"][op]["total_s"] for run in runs]
            spread = max(totals) / min(totals) - 1
            if spread > NOISE:
                notes.append(f"{config} {op}: runs differ by {spread:.0%} ("
                             + ", ".join(f"{t:.1f} s" for t in totals) + ")")
    return notes


def print_profiles(n: int) -> None:
    for config in ("ours", "vanilla"):
        phases = ["create", "update"] + (["update_published"] if config == "ours" else [])
        for ph in phases:
            path = common.RESULTS / f"write-profile-{config}-{ph}.prof"
            for sort in ("tottime", "cumulative"):
                buffer = io.StringIO()
                stats = pstats.Stats(str(path), stream=buffer)
                stats.sort_stats(sort).print_stats(25)
                text = path.with_name(f"{path.stem}-{sort}.txt")
                text.write_text(buffer.getvalue(), encoding="utf-8")
            total = pstats.Stats(str(path)).total_tt
            print(f"  profile {config} {ph}: {total:.1f} s in {n} calls under cProfile -> "
                  f"{path.relative_to(common.ROOT)} (top 25 by tottime/cumulative in *-tottime.txt, *-cumulative.txt)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", type=int, default=300, help="datasets per configuration (default 300)")
    parser.add_argument("--repeat", type=int, default=2, help="runs of every configuration (default 2)")
    parser.add_argument("--seed", type=int, default=2566)
    parser.add_argument("--profile", action="store_true",
                        help="afterwards, run ours and vanilla once more under cProfile (those times are not reported)")
    parser.add_argument("--profile-datasets", type=int, default=None,
                        help="N of the profiled runs (default --datasets)")
    parser.add_argument("--config", choices=ORDER, help=argparse.SUPPRESS)  # the child
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--profile-to", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.config:
        child(args.config, args.datasets, args.seed, args.out, args.profile_to)
        return

    code = common.code_version()
    runs = []
    if args.repeat:
        print(f"Write benchmark, N={args.datasets}, {args.repeat} run(s) of {', '.join(ORDER)}", file=sys.stderr)
    for i in range(args.repeat):
        order = ORDER if i % 2 == 0 else tuple(reversed(ORDER))  # alternate: drifting load spreads evenly
        run = {config: spawn(config, args.datasets, args.seed) for config in order}
        runs.append({config: run[config] for config in ORDER} | {"_order": list(order)})
    if runs:
        report_and_save(args.datasets, code, runs)
    if args.profile:
        pn = args.profile_datasets or args.datasets
        print(f"\nProfiling ours and vanilla, N={pn} (separate runs, not the timings above)...", file=sys.stderr)
        for config in ("ours", "vanilla"):
            spawn(config, pn, args.seed, profile=True)
        print()
        print_profiles(pn)


def pooled(runs: list[dict[str, Any]]) -> dict[str, dict[str, Optional[float]]]:
    """Ratios of the totals summed over all runs (each run pairs configurations measured minutes apart)."""
    total: dict[str, Any] = {config: {"results": {}} for config in ORDER}
    for config in ORDER:
        for op in runs[0][config]["results"]:
            total[config]["results"][op] = {"total_s": sum(run[config]["results"][op]["total_s"] for run in runs)}
    return ratios(total)


def report_and_save(n: int, code: str, runs: list[dict[str, Any]]) -> None:
    all_ratios = [ratios(run) for run in runs]
    first = runs[0]
    print()
    print(f"Write benchmark: dataset create and update, N={n} per configuration, "
          f"{os.cpu_count()} CPUs, PostgreSQL {first['ours']['postgres']}")
    print(f"Code {code}")
    for config in ORDER:
        c = first[config]
        print(f"  {config:16} plugins: {c['plugins']}; schema {c['schema']}; database {c['db']}"
              + ("; index: no-op connection" if c["noindex"] else ""))
    print("  NOTE: vanilla CKAN cannot index without Solr: govcatalog_search is loaded in vanilla ONLY as the")
    print("  search index so that package_create/package_update work (its indexing is in the vanilla time);")
    print("  vanilla-noindex replaces the index with a connection that does nothing: no index writes, but then")
    print("  package_show cannot use the validated dict cached in the index either (so it is not a lower bound).")
    print("  As an organization editor (context user, no ignore_auth); 10 warm-up datasets per phase, not timed;")
    print("  'update (published)': ours only, after submit + approve (not timed): the edit becomes a pending revision.")
    for i, (run, rat) in enumerate(zip(runs, all_ratios), 1):
        print_run(i, run, rat, n)
        print(f"  (order of this run: {', '.join(run['_order'])})")
    checks = {i: {config: run[config]["checks"] for config in ORDER} for i, run in enumerate(runs, 1)}
    print("\nChecks (run 1): " + "; ".join(f"{config}: " + ", ".join(f"{k}={v}" for k, v in c.items())
                                          for config, c in checks[1].items()))
    loads = ", ".join(f"run {i} {config} {run[config]['load_before']:.2f}->{run[config]['load_after']:.2f}"
                      for i, run in enumerate(runs, 1) for config in ORDER)
    print(f"Load average (1 min) before->after each configuration: {loads}")
    noisy = compare_runs(runs) if len(runs) > 1 else []
    if len(runs) > 1:
        print("Runs differing by more than 20%: " + ("; ".join(noisy) if noisy else "none"))

    pool = pooled(runs)
    worst = {op: max((r[op]["vanilla"] or 0) for r in all_ratios) for op in all_ratios[0]}
    labels = {"create": "create", "update": "update (draft)", "update_published": "update (published)"}
    print(f"\nVerdict over all {len(runs)} run(s), ratio of summed totals (range over runs), "
          f"target <= {TARGET_RATIO}x:")
    for op in pool:
        per_run = [r[op] for r in all_ratios]
        for base in ("vanilla", "vanilla-noindex"):
            values = [r[base] for r in per_run]
            print(f"  {labels[op]:19} vs {base:16} {pool[op][base]:5.2f}x {verdict(pool[op][base]):4} "
                  f"(runs {min(values):.2f}-{max(values):.2f}x)")

    result = {
        "code": code, "datasets": n, "cpus": os.cpu_count(), "postgres": first["ours"]["postgres"],
        "target_ratio": TARGET_RATIO, "warmup_per_phase": WARMUP,
        "configurations": {config: {k: first[config][k] for k in ("plugins", "schema", "db", "noindex")}
                           for config in ORDER},
        "note": "vanilla loads govcatalog_search only as its search index (vanilla CKAN cannot index without "
                "Solr); vanilla-noindex uses a no-op connection instead; update_published is compared with "
                "vanilla's update",
        "runs": [{"order": run["_order"]} | {config: {k: run[config][k] for k in
                                                      ("results", "checks", "wall_s", "load_before", "load_after")}
                                             for config in ORDER} for run in runs],
        "ratios_per_run": all_ratios,
        "ratios_pooled": pool,
        "runs_differing_over_20pct": noisy,
        "worst_run_ratio_vs_vanilla": worst,
        "pass": {op: {base: (pool[op][base] or 0) <= TARGET_RATIO for base in pool[op]} for op in pool},
    }
    path = common.write_json(f"write-{n}.json", result)
    print(f"\nWrote {path.relative_to(common.ROOT)}")


if __name__ == "__main__":
    main()
