"""What harvesters pay: DCAT catalog pages early and late, and mirroring through the change feed vs a
full package_search crawl, on N synthetic Thai datasets (all of them harvestable).

    .venv/bin/python bench/harvest.py --datasets 20300

1. Recreates the bench database, fills it as bench/search.py does (rows straight into CKAN's tables),
   makes every entry harvestable (open data, consent given), writes each one's first change into the
   feed (as the feed's migration does for existing datasets) and indexes them on every CPU with
   ``ckan govcatalog reindex``'s code (the documents ``search-index rebuild`` writes; not timed).
2. DCAT: ``dcat_catalog_show`` (what /catalog.ttl calls), Turtle, 100 entries per page: the first
   page, and the page that starts at offset 20,000 asked two ways: ``?page=201`` (a search offset)
   and by the cursor a harvester following ``hydra:next`` holds there (the key of entry 20,000);
   both late pages must hold the same entries. Median of --repeat rounds, the three interleaved.
3. Mirroring as a harvest account, in-process (no HTTP), the same run:
   - change feed: every page of ``govcatalog_changes`` (limit 1000) and ``package_show`` per entry;
   - crawl: every page of ``package_search`` (rows 1000, sorted by id), which carries the whole dicts;
   - after 100 updates, what each needs to catch up: the feed from its cursor, the crawl all again
     (a crawl cannot see deletions without listing everything).
Writes bench/results/harvest-N.json.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
import search as search_bench  # noqa: E402

ACCOUNT = "bench-harvester"
PER_PAGE = 100
LATE_OFFSET = 20_000
TARGET_LATE_RATIO = 1.2


def make_harvestable() -> None:
    import ckan.model as model

    model.Session.execute(sa.text(
        "UPDATE package SET extras = extras || jsonb_build_object('data_category', 'ข้อมูลสาธารณะ', "
        "'data_classification', 'เปิดเผย', 'allow_harvest', 'True', "
        "'accessible_condition', 'ไม่มีการจำกัดการเข้าถึงข้อมูล') WHERE type = 'dataset'"))
    model.Session.execute(sa.text(
        "INSERT INTO govcatalog_change (package_id, kind, at, metadata_modified, before, after) "
        "SELECT p.id, 'created', now(), to_char(p.metadata_modified, 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), NULL, "
        "jsonb_build_object('owner_org', p.owner_org, 'level', 'เปิดเผย', 'creator_user_id', p.creator_user_id, "
        "'workflow_state', 'published', 'category', 'ข้อมูลสาธารณะ', 'harvest_consent', true) "
        "FROM package p WHERE p.type = 'dataset' AND p.state = 'active' ORDER BY p.metadata_modified"))
    model.Session.commit()


def harvest_account() -> dict[str, Any]:
    import secrets

    import ckan.plugins.toolkit as tk

    tk.get_action("user_create")({"ignore_auth": True}, {
        "name": ACCOUNT, "email": "harvester@bench.local", "password": secrets.token_urlsafe(16)})
    return {"user": ACCOUNT}


def timed(fn: Any, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def dcat_page(page: int | None = None, cursor: str | None = None) -> str:
    import ckan.plugins.toolkit as tk

    data: dict[str, Any] = {"format": "ttl"}
    if page is not None:
        data["page"] = page
    if cursor is not None:
        data["cursor"] = cursor
    return tk.get_action("dcat_catalog_show")({"ignore_auth": True}, data)


def cursor_at(offset: int) -> str:
    """The cursor that the catalog's hydra:next link carries after entry ``offset`` (the key of that
    entry, in the catalog's order and behind its harvest filter)."""
    import ckan.plugins.toolkit as tk
    from ckanext.govcatalog.harvest import paging
    from ckanext.govcatalog.harvest.logic.action import harvestable_only

    search = harvestable_only({"q": "*:*", "rows": 1, "start": offset - 1, "sort": "metadata_modified desc",
                               "fq_list": ["-dataset_type:harvest", "-dataset_type:showcase"]})
    entry = tk.get_action("package_search")({"ignore_auth": True}, search)["results"][0]
    cursor = paging.cursor_of(entry)
    assert cursor is not None
    return cursor


def entries(body: str) -> list[str]:
    from rdflib import Graph

    from ckanext.govcatalog.harvest.dcat import GC

    return sorted(str(o) for o in Graph().parse(data=body, format="turtle").objects(None, GC.name))


def progress(what: str, done: list[int], step: int, total: int) -> None:
    before = done[0] // 2000
    done[0] += step
    if done[0] // 2000 != before or done[0] == total:
        print(f"  {what} {done[0]}/{total}", file=sys.stderr, flush=True)


def feed_mirror(account: dict[str, Any], since: int = 0) -> tuple[int, int]:
    """Follow the feed from ``since`` and fetch every entry it names; (entries, next cursor)."""
    import ckan.plugins.toolkit as tk

    fetched = 0
    while True:
        page = tk.get_action("govcatalog_changes")(dict(account), {"since": since, "limit": 1000})
        for change in page["changes"]:
            if change["change"] in ("created", "updated"):
                tk.get_action("package_show")(dict(account), {"id": change["id"]})
                fetched += 1
                if fetched % 2000 == 0:
                    print(f"  fetched {fetched} through the feed", file=sys.stderr, flush=True)
        since = page["next_since"]
        if not page["more"]:
            return fetched, since


def crawl(account: dict[str, Any]) -> int:
    import ckan.plugins.toolkit as tk

    start, seen = 0, 0
    while True:
        result = tk.get_action("package_search")(dict(account), {"q": "*:*", "rows": 1000, "start": start,
                                                                 "sort": "id asc"})
        seen += len(result["results"])
        start += 1000
        if not result["results"] or start >= result["count"]:
            return seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", type=int, default=LATE_OFFSET + 3 * PER_PAGE)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2566)
    parser.add_argument("--late-offset", type=int, default=LATE_OFFSET, help="offset of the late DCAT page")
    args = parser.parse_args()

    code = common.code_version()
    common.PLUGINS = common.PLUGINS + " dcat"
    ini = common.fresh_bench_db("harvest.ini", {
        "ckanext.dcat.rdf.profiles": "euro_dcat_ap_3 govcatalog_dcat", "ckanext.dcat.datasets_per_page": str(PER_PAGE),
        "ckanext.govcatalog.harvest_accounts": ACCOUNT})
    with common.app_context(ini):
        import ckan.model as model
        import ckan.plugins.toolkit as tk
        from ckanext.govcatalog.search import reindex

        print(f"Generating {args.datasets} datasets...", file=sys.stderr)
        search_bench.generate(args.datasets, args.seed)
        make_harvestable()
        ids = [i for (i,) in model.Session.query(model.Package.id).filter_by(state="active", type="dataset")]
        model.Session.commit()
        summary = reindex.reindex(reindex.default_workers(), ids, keep_orphans=True,
                                  progress=lambda n, done=[0]: progress("indexed", done, n, len(ids)))
        if summary.failed:
            raise SystemExit(f"{len(summary.failed)} datasets failed to index: {list(summary.failed.items())[:3]}")
        print(f"  indexed {summary.datasets} in {summary.seconds:.0f} s ({summary.workers} workers)", file=sys.stderr)
        account = harvest_account()

        late_page = args.late_offset // PER_PAGE + 1
        late_cursor = cursor_at(args.late_offset)
        by_page, by_cursor = entries(dcat_page(late_page)), entries(dcat_page(cursor=late_cursor))
        if len(by_page) != PER_PAGE or by_page != by_cursor:
            raise SystemExit(f"The late page by page and by cursor differ: {len(by_page)} vs {len(by_cursor)} entries")
        dcat_page()  # warm-up
        runs: dict[str, list[float]] = {"first": [], "late_page": [], "late_cursor": []}
        for _ in range(args.repeat):
            for name, call in (("first", lambda: dcat_page()), ("late_page", lambda: dcat_page(late_page)),
                               ("late_cursor", lambda: dcat_page(cursor=late_cursor))):
                runs[name].append(timed(call, 1))
        first, late, late_by_cursor = (statistics.median(runs[k]) for k in ("first", "late_page", "late_cursor"))
        print(f"  DCAT measured (first {first:.2f} s, late by page {late:.2f} s, late by cursor "
              f"{late_by_cursor:.2f} s); mirroring...", file=sys.stderr, flush=True)

        started = time.perf_counter()
        fed, cursor = feed_mirror(account)
        feed_s = time.perf_counter() - started
        started = time.perf_counter()
        crawled = crawl(account)
        crawl_s = time.perf_counter() - started

        updated = 0
        for package_id in random.Random(args.seed).sample(ids, len(ids)):
            try:  # some synthetic entries miss a field the form would ask for: skip those
                tk.get_action("package_patch")({"ignore_auth": True, "user": "admin"},
                                               {"id": package_id, "notes": "ปรับปรุงคำอธิบาย (bench)"})
            except tk.ValidationError:
                model.Session.rollback()
                continue
            updated += 1
            if updated == 100:
                break
        started = time.perf_counter()
        fed_again, _ = feed_mirror(account, cursor)
        feed_again_s = time.perf_counter() - started
        started = time.perf_counter()
        crawled_again = crawl(account)
        crawl_again_s = time.perf_counter() - started

    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    result = {
        "code": code, "datasets": args.datasets, "cpus": os.cpu_count(), "uptime_at_end": load,
        "dcat": {"per_page": PER_PAGE, "first_page_s": first, "late_page": late_page, "late_offset": args.late_offset,
                 "late_page_s": late, "ratio": late / first, "late_cursor_s": late_by_cursor,
                 "cursor_ratio": late_by_cursor / first, "target_ratio": TARGET_LATE_RATIO,
                 "pass": late_by_cursor / first <= TARGET_LATE_RATIO, "runs_s": runs},
        "mirror": {"feed_entries": fed, "feed_s": feed_s, "feed_rate_per_s": fed / feed_s,
                   "crawl_entries": crawled, "crawl_s": crawl_s, "crawl_rate_per_s": crawled / crawl_s,
                   "feed_over_crawl_time": feed_s / crawl_s},
        "catch_up_after_100_updates": {"feed_entries": fed_again, "feed_s": feed_again_s,
                                       "crawl_entries": crawled_again, "crawl_s": crawl_again_s,
                                       "crawl_over_feed_time": crawl_again_s / feed_again_s},
    }
    d, m, c = result["dcat"], result["mirror"], result["catch_up_after_100_updates"]
    print(f"\nDCAT first page: {d['first_page_s'] * 1000:.0f} ms; offset {args.late_offset} by ?page={late_page}: "
          f"{d['late_page_s'] * 1000:.0f} ms (ratio {d['ratio']:.2f}); by cursor: {d['late_cursor_s'] * 1000:.0f} ms "
          f"(ratio {d['cursor_ratio']:.2f}; target <= {TARGET_LATE_RATIO}: {'PASS' if d['pass'] else 'FAIL'})")
    print(f"Mirror {fed} entries through the change feed: {feed_s:.1f} s ({m['feed_rate_per_s']:.0f}/s); "
          f"full package_search crawl of {crawled}: {crawl_s:.1f} s ({m['crawl_rate_per_s']:.0f}/s); "
          f"feed/crawl time {m['feed_over_crawl_time']:.2f}")
    print(f"Catch-up after 100 updates: feed {fed_again} entries in {feed_again_s:.2f} s; crawl {crawled_again} "
          f"entries in {crawl_again_s:.1f} s; crawl/feed time {c['crawl_over_feed_time']:.1f}")
    print(f"uptime: {load}")
    path = common.write_json(f"harvest-{args.datasets}.json", result)
    print(f"Wrote {path.relative_to(common.ROOT)}")


if __name__ == "__main__":
    main()
