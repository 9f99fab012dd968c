"""Materialize the judgments of queries.json: each query names, by meaning, the titles it should
find (``means``: a pattern over title and description written by a person for that meaning) and
the look-alikes it must not find (``trap``: words that contain the query's letters but mean
something else; a dataset is a trap for the query when its text holds the query's letters only
inside such words). This writes the resulting dataset names into ``relevant`` and ``traps``, so the
judgments are explicit lists that can be read and corrected by hand.

    python3 bench/relevance_real/judge.py
"""
import json
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    datasets = json.loads((HERE / "datasets.json").read_text(encoding="utf-8"))["datasets"]
    path = HERE / "queries.json"
    queries = json.loads(path.read_text(encoding="utf-8"))
    for item in queries:
        means = re.compile(item["means"], re.I) if item.get("means") else None
        trap = re.compile(item["trap"], re.I) if item.get("trap") else None
        item["relevant"] = [d["name"] for d in datasets
                            if means and means.search(d["title"] + " " + d["notes"])]
        # a look-alike only: once the look-alike words are taken out, the query's letters are gone
        item["traps"] = [d["name"] for d in datasets if trap and trap.search(text := d["title"] + " " + d["notes"])
                         and item["q"].lower() not in trap.sub(" ", text).lower()
                         and d["name"] not in item["relevant"]]
    path.write_text(json.dumps(queries, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    for item in queries:
        print(f"{item['q']!r:28} relevant {len(item['relevant']):3d} traps {len(item['traps']):3d}")


if __name__ == "__main__":
    main()
