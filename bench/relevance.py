"""Relevance of package_search, against two judged sets, each next to an ILIKE substring baseline.

    .venv/bin/python bench/relevance.py [--set demo|real|both]

- demo: the Thai demo catalog and bench/search_queries.json (recall@10 = found / relevant);
- real: 767 real Thai government dataset titles (bench/relevance_real/datasets.json: data.go.th's
  dataset list and agency CKAN catalog pages, each with its source) and the queries judged by
  meaning in bench/relevance_real/queries.json, trap queries included (bench/relevance_real/judge.py
  writes the judged lists). recall@10 = relevant found in the top 10 / min(10, relevant);
  precision@10 over queries that have relevant datasets; a trap hit is a look-alike in the top 10
  (ตาราง for ตา, อำนาจ for นา, ประกาศ for ประกัน...).

Recreates the bench database, loads the data, runs every query as the sysadmin and prints the
numbers per query, the means and the failures. Writes bench/results/relevance.json and
bench/results/relevance-real.json.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

QUERIES = Path(__file__).resolve().parent / "search_queries.json"
K = 10
LANGUAGES = ("th", "en", "mixed")
DEFINITIONS = (
    f"recall@{K} = labelled datasets found in the top {K} / labelled datasets; "
    f"precision@{K} = labelled datasets in the top {K} / datasets returned in the top {K} "
    f"(at most {K}; 0 when nothing is returned)"
)


@dataclass
class QueryResult:
    q: str
    lang: str
    count: int
    top: list[str]
    relevant: list[str]
    recall: float
    precision: float
    missing: list[str]
    extra: list[str]


def score(q: str, lang: str, relevant: list[str], count: int, top: list[str]) -> QueryResult:
    hits = [name for name in top if name in relevant]
    return QueryResult(
        q=q,
        lang=lang,
        count=count,
        top=top,
        relevant=relevant,
        recall=len(hits) / len(relevant) if relevant else 1.0,
        precision=len(hits) / len(top) if top else 0.0,
        missing=[name for name in relevant if name not in top],
        extra=[name for name in top if name not in relevant],
    )


def run_queries(queries: list[dict[str, Any]]) -> list[QueryResult]:
    import ckan.plugins.toolkit as tk

    search = tk.get_action("package_search")
    results = []
    for item in queries:
        # A fresh context each time: actions write into it (auth_user_obj, ...).
        context = {"ignore_auth": True, "user": "admin"}
        answer = search(context, {"q": item["q"], "rows": K, "include_private": True})
        top = [d["name"] for d in answer["results"]]
        results.append(score(item["q"], item["lang"], item["relevant"], answer["count"], top))
    return results


def mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else float("nan")


def summarize(results: list[QueryResult]) -> dict[str, dict[str, float]]:
    groups = {"all": results, **{lang: [r for r in results if r.lang == lang] for lang in LANGUAGES}}
    return {
        name: {
            "queries": len(group),
            f"recall@{K}": mean([r.recall for r in group]),
            f"precision@{K}": mean([r.precision for r in group]),
        }
        for name, group in groups.items()
    }


def report(results: list[QueryResult], summary: dict[str, dict[str, float]], loaded: int, code: str) -> None:
    print(f"Relevance on the demo catalog ({loaded} datasets), sysadmin, include_private=True, rows={K}")
    print(f"Code {code}, plugins: {common.PLUGINS}")
    print(DEFINITIONS)
    print()
    print(f"{'lang':5} {'R@10':>5} {'P@10':>5} {'hits':>5}  query")
    for r in results:
        print(f"{r.lang:5} {r.recall:5.2f} {r.precision:5.2f} {r.count:5d}  {r.q}")
    print()
    print(f"{'group':6} {'queries':>7} {'mean R@10':>9} {'mean P@10':>9}")
    for name, s in summary.items():
        print(f"{name:6} {s['queries']:7d} {s[f'recall@{K}']:9.3f} {s[f'precision@{K}']:9.3f}")
    failures = [r for r in results if r.recall < 1 or r.precision < 0.5]
    print()
    print(f"Queries with recall@{K} < 1 or precision@{K} < 0.5: {len(failures)}")
    for r in failures:
        print(f"- [{r.lang}] {r.q!r}: R={r.recall:.2f} P={r.precision:.2f} ({r.count} hits)")
        if r.missing:
            print(f"    missing: {', '.join(r.missing)}")
        if r.extra:
            print(f"    extra:   {', '.join(r.extra)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", choices=("demo", "real", "both"), default="both")
    args = parser.parse_args()
    if args.set == "real":
        import relevance_real

        relevance_real.main()
        return
    main_demo()
    if args.set == "both":  # CKAN's app is built once per process: the second set in a process of its own
        import subprocess

        subprocess.run([sys.executable, __file__, "--set", "real"], check=True)


def main_demo() -> None:
    queries = json.loads(QUERIES.read_text(encoding="utf-8"))
    code = common.code_version()  # before anything is imported: the code that runs is the code named
    ini = common.fresh_bench_db()
    with common.app_context(ini):
        import ckan.model as model
        from ckanext.govcatalog.demo.loader import load_demo

        load_demo()
        names = {n for (n,) in model.Session.query(model.Package.name).filter_by(state="active")}
        unknown = sorted({n for q in queries for n in q["relevant"]} - names)
        if unknown:
            print(f"WARNING: labelled datasets not in the demo data: {', '.join(unknown)}")
        results = run_queries(queries)
    summary = summarize(results)
    report(results, summary, len(names), code)
    path = common.write_json(
        "relevance.json",
        {"code": code, "plugins": common.PLUGINS, "k": K, "definitions": DEFINITIONS, "datasets": len(names),
         "summary": summary, "queries": [asdict(r) for r in results]},
    )
    print(f"\nWrote {path.relative_to(common.ROOT)}")


if __name__ == "__main__":
    main()
