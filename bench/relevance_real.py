"""The real-titles relevance set (see bench/relevance.py): ours next to an ILIKE substring baseline.

    .venv/bin/python bench/relevance.py --set real
"""
from __future__ import annotations

import datetime
import json
import statistics
import sys
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

HERE = Path(__file__).resolve().parent / "relevance_real"
K = 10
ORGANIZATION = ("real-titles", "ชุดข้อมูลจริงจากบัญชีข้อมูลภาครัฐ (ทดสอบความเกี่ยวข้อง)")
DEFINITIONS = (
    f"recall@{K} = relevant datasets in the top {K} / min({K}, relevant datasets); "
    f"precision@{K} = relevant datasets in the top {K} / datasets returned in the top {K} "
    "(queries with relevant datasets only; 0 when nothing is returned); "
    f"trap hits = look-alike datasets (judged not to mean the query) in the top {K}"
)


@dataclass
class Outcome:
    q: str
    lang: str
    engine: str
    count: int
    top: list[str]
    recall: float | None
    precision: float | None
    trap_hits: list[str]
    missing: list[str]


def load(datasets: list[dict[str, Any]]) -> None:
    """Write the datasets straight into CKAN's tables (public, published open data), then index them
    one by one as `ckan search-index rebuild` does."""
    import ckan.logic as logic
    import ckan.model as model
    import ckan.plugins.toolkit as tk

    common.ensure_sysadmin("admin")
    creator = model.User.get("admin").id  # type: ignore[union-attr]
    org = tk.get_action("organization_create")({"ignore_auth": True, "user": "admin"},
                                               {"name": ORGANIZATION[0], "title": ORGANIZATION[1]})
    modified = datetime.datetime(2025, 1, 1)
    packages, members = [], []
    for item in datasets:
        package_id = str(uuid.uuid4())
        packages.append({
            "id": package_id, "name": item["name"], "title": item["title"], "notes": item["notes"],
            "owner_org": org["id"], "creator_user_id": creator, "type": "dataset", "state": "active",
            "private": False, "license_id": "Open Data Common", "metadata_created": modified,
            "metadata_modified": modified, "url": item["source"],
            "extras": {"data_type": "ข้อมูลประเภทอื่นๆ", "data_category": "ข้อมูลสาธารณะ",
                       "data_classification": "เปิดเผย", "allow_harvest": "True"},
        })
        members.append({"id": str(uuid.uuid4()), "table_name": "package", "table_id": package_id,
                        "capacity": "organization", "group_id": org["id"], "state": "active"})
    model.Session.execute(model.package_table.insert(), packages)
    model.Session.execute(model.member_table.insert(), members)
    model.Session.commit()
    for item in packages:
        logic.index_update_package({"ignore_auth": True}, item["id"], defer_commit=True)
    model.Session.commit()


def ours(q: str) -> tuple[int, list[str]]:
    import ckan.plugins.toolkit as tk

    answer = tk.get_action("package_search")({"ignore_auth": True, "user": "admin"},
                                             {"q": q, "rows": K, "include_private": True})
    return answer["count"], [d["name"] for d in answer["results"]]


def ilike(q: str) -> tuple[int, list[str]]:
    """The substring baseline: every typed part in the title or description, title matches first."""
    import ckan.model as model

    parts = q.split()
    where = " AND ".join(f"(title ILIKE :p{i} OR notes ILIKE :p{i})" for i in range(len(parts)))
    bind: dict[str, Any] = {f"p{i}": f"%{p}%" for i, p in enumerate(parts)}
    bind["whole"] = f"%{q}%"
    rows = model.Session.execute(sa.text(
        f"SELECT name, count(*) OVER () AS n FROM package WHERE state = 'active' AND type = 'dataset' AND {where} "
        f"ORDER BY (title ILIKE :whole) DESC, name LIMIT {K}"), bind).all()
    return (rows[0][1] if rows else 0), [r[0] for r in rows]


def judge(item: dict[str, Any], engine: str, search: Callable[[str], tuple[int, list[str]]]) -> Outcome:
    count, top = search(item["q"])
    relevant, traps = set(item["relevant"]), set(item["traps"])
    hits = [n for n in top if n in relevant]
    return Outcome(
        q=item["q"], lang=item["lang"], engine=engine, count=count, top=top,
        recall=len(hits) / min(K, len(relevant)) if relevant else None,
        precision=(len(hits) / len(top) if top else 0.0) if relevant else None,
        trap_hits=[n for n in top if n in traps],
        missing=[n for n in item["relevant"] if n not in top][: K],
    )


def summary(outcomes: list[Outcome]) -> dict[str, Any]:
    recalls = [o.recall for o in outcomes if o.recall is not None]
    precisions = [o.precision for o in outcomes if o.precision is not None]
    return {
        "queries": len(outcomes), "judged_queries": len(recalls),
        f"recall@{K}": statistics.fmean(recalls), f"precision@{K}": statistics.fmean(precisions),
        "trap_hits": sum(len(o.trap_hits) for o in outcomes),
        "queries_with_trap_hits": sum(1 for o in outcomes if o.trap_hits),
    }


def main() -> None:
    datasets = json.loads((HERE / "datasets.json").read_text(encoding="utf-8"))["datasets"]
    queries = json.loads((HERE / "queries.json").read_text(encoding="utf-8"))
    code = common.code_version()
    ini = common.fresh_bench_db("bench-relevance-real.ini")
    with common.app_context(ini):
        load(datasets)
        results = {"ours": [judge(q, "ours", ours) for q in queries],
                   "ilike": [judge(q, "ilike", ilike) for q in queries]}
    sums = {engine: summary(outcomes) for engine, outcomes in results.items()}
    print(f"\nRelevance on {len(datasets)} real Thai government dataset titles, {len(queries)} queries "
          f"judged by meaning (bench/relevance_real/), rows={K}")
    print(f"Code {code}, plugins: {common.PLUGINS}")
    print(DEFINITIONS)
    print()
    print(f"{'':32} {'ours':>18}   {'ILIKE':>18}")
    print(f"{'query':32} {'R@10 P@10 traps':>18}   {'R@10 P@10 traps':>18}")

    def cell(o: Outcome) -> str:
        r = "  - " if o.recall is None else f"{o.recall:4.2f}"
        p = "  - " if o.precision is None else f"{o.precision:4.2f}"
        return f"{r} {p} {len(o.trap_hits):5d}"

    for a, b in zip(results["ours"], results["ilike"]):
        print(f"{a.q:32} {cell(a):>18}   {cell(b):>18}")
    print()
    for engine, s in sums.items():
        print(f"{engine:6} mean recall@{K} {s[f'recall@{K}']:.3f}  mean precision@{K} {s[f'precision@{K}']:.3f}  "
              f"trap hits {s['trap_hits']} (in {s['queries_with_trap_hits']} queries)  "
              f"[{s['judged_queries']} judged queries, {s['queries']} in all]")
    print()
    print("Ours: queries with recall < 1, precision < 0.5 or a trap hit:")
    for o in results["ours"]:
        if (o.recall is not None and o.recall < 1) or (o.precision is not None and o.precision < 0.5) or o.trap_hits:
            print(f"- {o.q!r}: R={o.recall} P={o.precision} hits={o.count} traps={o.trap_hits} "
                  f"missing={o.missing[:5]}")
    path = common.write_json("relevance-real.json", {
        "code": code, "plugins": common.PLUGINS, "k": K, "definitions": DEFINITIONS, "datasets": len(datasets),
        "summary": sums, "queries": {e: [asdict(o) for o in os_] for e, os_ in results.items()}})
    print(f"\nWrote {path.relative_to(common.ROOT)}")
