"""Indexing rate and package_search latency of the PostgreSQL search backend on N synthetic Thai datasets.

    .venv/bin/python bench/search.py --datasets 20000

1. Recreates the bench database and fills it with N synthetic datasets (rows written straight into
   CKAN's tables in batches: not timed as indexing).
2. Indexing, over all N datasets, one ``index_update_package`` per id (what ``ckan search-index
   rebuild`` does), committed every 1000:
   - baseline: CKAN alone, with a connection whose add/commit do nothing. This is the time CKAN
     itself spends on ``package_show_default_and_custom_schemas`` and on building the Solr document;
     vanilla CKAN cannot index without Solr, so this is the only part of it measurable here;
   - ours: the same with the govcatalog_search backend (document building + Thai analysis + upsert);
   - parallel: ``ckan govcatalog reindex`` (worker processes, multi-row upserts) into an emptied
     index, with --workers processes (default: the CPU count); the ratio to the serial run.
3. package_search latency as an anonymous user (permission labels ['public']), rows=20, four facets,
   after 20 warm-up queries: Thai and English free text, one and two words.
   --replicate K searches an index of K x N rows (each document copied under new ids, so hit counts
   grow K fold): the 200,000-row search time without indexing 200,000 datasets
   (``make bench-200k``: N=20,000, K=10, serial runs skipped).
Writes bench/results/search-N.json (search-NxK.json).
"""
from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import math
import os
import random
import statistics
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

# Latency targets by catalog size: up to 20,000 datasets, and 200,000 (issue 11).
LATENCY_TARGETS_MS = {20000: (30.0, 100.0), 200000: (80.0, 250.0)}
TARGET_INDEX_RATE = 200.0
TARGET_REINDEX_20K_S = 120.0  # issue 11: 20,000 datasets in at most 2 minutes on 2 CPUs
FACETS = ["organization", "tags", "res_format", "data_category"]
ROWS = 20
WARMUP = 20
BATCH = 1000

# --- word lists ------------------------------------------------------------------

PROVINCES = [tuple(line.split("|")) for line in """
กรุงเทพมหานคร|Bangkok
เชียงใหม่|Chiang Mai
เชียงราย|Chiang Rai
ลำปาง|Lampang
ลำพูน|Lamphun
แม่ฮ่องสอน|Mae Hong Son
น่าน|Nan
พะเยา|Phayao
แพร่|Phrae
อุตรดิตถ์|Uttaradit
ตาก|Tak
สุโขทัย|Sukhothai
พิษณุโลก|Phitsanulok
พิจิตร|Phichit
เพชรบูรณ์|Phetchabun
นครสวรรค์|Nakhon Sawan
อุทัยธานี|Uthai Thani
กำแพงเพชร|Kamphaeng Phet
ขอนแก่น|Khon Kaen
อุดรธานี|Udon Thani
เลย|Loei
หนองคาย|Nong Khai
หนองบัวลำภู|Nong Bua Lamphu
บึงกาฬ|Bueng Kan
สกลนคร|Sakon Nakhon
นครพนม|Nakhon Phanom
มุกดาหาร|Mukdahan
กาฬสินธุ์|Kalasin
มหาสารคาม|Maha Sarakham
ร้อยเอ็ด|Roi Et
ยโสธร|Yasothon
อำนาจเจริญ|Amnat Charoen
อุบลราชธานี|Ubon Ratchathani
ศรีสะเกษ|Sisaket
สุรินทร์|Surin
บุรีรัมย์|Buriram
นครราชสีมา|Nakhon Ratchasima
ชัยภูมิ|Chaiyaphum
ชัยนาท|Chai Nat
สิงห์บุรี|Sing Buri
ลพบุรี|Lopburi
อ่างทอง|Ang Thong
พระนครศรีอยุธยา|Phra Nakhon Si Ayutthaya
สระบุรี|Saraburi
นนทบุรี|Nonthaburi
ปทุมธานี|Pathum Thani
สมุทรปราการ|Samut Prakan
สมุทรสาคร|Samut Sakhon
สมุทรสงคราม|Samut Songkhram
นครปฐม|Nakhon Pathom
สุพรรณบุรี|Suphan Buri
กาญจนบุรี|Kanchanaburi
ราชบุรี|Ratchaburi
เพชรบุรี|Phetchaburi
ประจวบคีรีขันธ์|Prachuap Khiri Khan
นครนายก|Nakhon Nayok
ปราจีนบุรี|Prachin Buri
สระแก้ว|Sa Kaeo
ฉะเชิงเทรา|Chachoengsao
ชลบุรี|Chonburi
ระยอง|Rayong
จันทบุรี|Chanthaburi
ตราด|Trat
ชุมพร|Chumphon
ระนอง|Ranong
สุราษฎร์ธานี|Surat Thani
พังงา|Phang Nga
ภูเก็ต|Phuket
กระบี่|Krabi
นครศรีธรรมราช|Nakhon Si Thammarat
ตรัง|Trang
พัทลุง|Phatthalung
สงขลา|Songkhla
สตูล|Satun
ปัตตานี|Pattani
ยะลา|Yala
นราธิวาส|Narathiwat
""".strip().splitlines()]

# (Thai, English, owning organization) — the organization keeps topics and publishers coherent.
TOPICS = [tuple(line.split("|")) for line in """
ประชากร|population|stat
ผู้สูงอายุ|elderly|social
ผู้พิการ|persons with disabilities|social
สวัสดิการแห่งรัฐ|state welfare|social
แรงงาน|labour force|stat
รายได้ครัวเรือน|household income|stat
การเกิด|births|civil
การตาย|deaths|civil
ทะเบียนบ้าน|house registration|civil
โรงเรียน|schools|edu
นักเรียน|students|edu
ครู|teachers|edu
ข้าว|rice|agri
ยางพารา|rubber|agri
เกษตรกร|farmers|agri
ราคาสินค้าเกษตร|farm prices|agri
ประมง|fisheries|agri
ป่าไม้|forest|geo
ที่ดิน|land parcels|geo
น้ำท่วม|flood|disaster
ภัยแล้ง|drought|disaster
อ่างเก็บน้ำ|reservoirs|disaster
คุณภาพอากาศ|air quality|health
ไข้เลือดออก|dengue|health
วัคซีน|vaccination|health
โรงพยาบาล|hospitals|health
งบประมาณ|budget|finance
ภาษีท้องถิ่น|local tax|finance
ถนน|roads|transport
อุบัติเหตุทางถนน|road accidents|transport
รถยนต์|vehicles|transport
ขนส่งสาธารณะ|public transport|transport
แหล่งท่องเที่ยว|tourist attractions|stat
ไฟฟ้า|electricity|geo
น้ำประปา|water supply|geo
ขยะมูลฝอย|solid waste|health
""".strip().splitlines()]

ORGANIZATIONS = {
    "stat": ("bench-stat-office", "สำนักงานสถิติจังหวัด (ทดสอบ)"),
    "social": ("bench-social-development", "สำนักงานพัฒนาสังคมและความมั่นคงของมนุษย์จังหวัด (ทดสอบ)"),
    "civil": ("bench-civil-registration", "สำนักทะเบียนอำเภอ (ทดสอบ)"),
    "edu": ("bench-education-office", "สำนักงานศึกษาธิการจังหวัด (ทดสอบ)"),
    "agri": ("bench-agriculture-office", "สำนักงานเกษตรจังหวัด (ทดสอบ)"),
    "geo": ("bench-land-geo-center", "ศูนย์ภูมิสารสนเทศและที่ดิน (ทดสอบ)"),
    "disaster": ("bench-disaster-prevention", "สำนักงานป้องกันและบรรเทาสาธารณภัยจังหวัด (ทดสอบ)"),
    "health": ("bench-public-health-office", "สำนักงานสาธารณสุขจังหวัด (ทดสอบ)"),
    "finance": ("bench-finance-office", "สำนักงานคลังจังหวัด (ทดสอบ)"),
    "transport": ("bench-transport-office", "สำนักงานขนส่งจังหวัด (ทดสอบ)"),
}

# (Thai, English, data_type) — what the dataset is; the type follows the vocabulary's stored values.
MEASURES = [
    ("จำนวน", "Number of", "ข้อมูลสถิติ"),
    ("สถิติ", "Statistics on", "ข้อมูลสถิติ"),
    ("อัตรา", "Rate of", "ข้อมูลสถิติ"),
    ("รายงาน", "Report on", "ข้อมูลหลากหลายประเภท"),
    ("ข้อมูล", "Data on", "ข้อมูลประเภทอื่นๆ"),
    ("ทะเบียน", "Register of", "ข้อมูลระเบียน"),
    ("แผนที่", "Map of", "ข้อมูลภูมิสารสนเทศเชิงพื้นที่"),
]
BREAKDOWNS = [
    ("รายจังหวัด", "by province"),
    ("รายอำเภอ", "by district"),
    ("รายตำบล", "by sub-district"),
    ("รายเดือน", "monthly"),
    ("รายปี", "annual"),
    ("รายไตรมาส", "quarterly"),
    ("แยกตามเพศ", "by sex"),
    ("ตามกลุ่มอายุ", "by age group"),
]
FILLERS_TH = [
    "ใช้สำหรับการวางแผนพัฒนาพื้นที่และติดตามผลการดำเนินงานของหน่วยงาน",
    "ข้อมูลรวบรวมจากระบบสารสนเทศของหน่วยงานและได้รับการตรวจสอบความถูกต้องก่อนเผยแพร่",
    "ปรับปรุงข้อมูลเป็นประจำตามรอบการจัดเก็บ",
    "เหมาะสำหรับนักวิจัย นักวิเคราะห์นโยบาย และประชาชนทั่วไป",
    "ครอบคลุมทุกอำเภอในพื้นที่รับผิดชอบ",
    "มีคำอธิบายตัวแปรและหน่วยวัดแนบในไฟล์",
    "ข้อมูลบางส่วนอยู่ระหว่างการตรวจสอบและอาจมีการแก้ไขภายหลัง",
    "จัดทำตามมาตรฐานรหัสพื้นที่ของกรมการปกครอง",
]
FILLERS_EN = [
    "Compiled from administrative records.",
    "Updated on a regular schedule.",
    "Variable descriptions are included in the files.",
    "Figures for the latest period are provisional.",
]
FORMATS = ["CSV", "XLSX", "JSON", "SHP"]
# data_category -> allowed data_classification (metadata-vocabulary.md), with a realistic mix.
CATEGORIES = [
    ("ข้อมูลสาธารณะ", ["เปิดเผย"], 70),
    ("ข้อมูลใช้ภายใน", ["ชั้นเผยแพร่ภายในองค์กร"], 12),
    ("ข้อมูลส่วนบุคคล", ["ชั้นเผยแพร่ภายในองค์กร", "ลับ", "ลับมาก"], 10),
    ("ข้อมูลความลับทางราชการ", ["ลับ", "ลับมาก", "ลับที่สุด"], 5),
    ("ข้อมูลความมั่นคง", ["ลับ", "ลับมาก", "ลับที่สุด"], 3),
]
OBJECTIVES = ["พันธกิจหน่วยงาน", "เพื่อการให้บริการประชาชน", "ยุทธศาสตร์ชาติ", "แผนปฏิรูปประเทศ", "มติคณะรัฐมนตรี"]
FREQUENCY = ["ปี", "ไตรมาส", "เดือน", "สัปดาห์", "วัน"]
LICENSES = ["Open Data Common", "Creative Commons Attributions", "Creative Commons Attribution Share-Alike"]


def slug(text: str) -> str:
    return "-".join(text.lower().replace(",", " ").split())


# --- synthetic datasets ------------------------------------------------------------

@dataclass
class Rows:
    """Rows for CKAN's tables, written together in one batch."""

    package: list[dict[str, Any]] = field(default_factory=list)
    resource: list[dict[str, Any]] = field(default_factory=list)
    package_tag: list[dict[str, Any]] = field(default_factory=list)
    member: list[dict[str, Any]] = field(default_factory=list)


def make_dataset(i: int, rnd: random.Random, org_ids: dict[str, str], tag_id: Callable[[str], str],
                 creator: str, rows: Rows) -> None:
    th_prov, en_prov = rnd.choice(PROVINCES)
    th_topic, en_topic, domain = rnd.choice(TOPICS)
    th_other, en_other, _ = rnd.choice(TOPICS)
    th_measure, en_measure, data_type = rnd.choice(MEASURES)
    th_break, en_break = rnd.choice(BREAKDOWNS)
    year_ce = rnd.randint(2015, 2025)
    year_be = year_ce + 543
    if rnd.random() < 0.15:
        title = f"{en_measure} {en_topic} {en_break}, {en_prov} {year_ce}"
    else:
        title = f"{th_measure}{th_topic}{th_break} จังหวัด{th_prov} พ.ศ. {year_be}"
    notes = (
        f"{th_measure}{th_topic}{th_break} ในพื้นที่จังหวัด{th_prov} ข้อมูล ณ ปี {year_be} "
        f"และข้อมูล{th_other}ที่เกี่ยวข้อง {' '.join(rnd.sample(FILLERS_TH, 2))} "
        f"{en_measure} {en_topic} {en_break} in {en_prov} province, {year_ce}. {rnd.choice(FILLERS_EN)}"
    )
    category, classifications, _ = rnd.choices(CATEGORIES, weights=[c[2] for c in CATEGORIES])[0]
    classification = rnd.choice(classifications)
    formats = ["SHP"] if data_type == "ข้อมูลภูมิสารสนเทศเชิงพื้นที่" else []
    formats += rnd.sample(FORMATS[:3], rnd.randint(1, 3 - len(formats)))
    modified = datetime.datetime(2024, 1, 1) + datetime.timedelta(minutes=rnd.randint(0, 900_000))
    package_id = str(uuid.uuid4())
    extras = {
        "data_type": data_type,
        "data_category": category,
        "data_classification": classification,
        "objective": json.dumps(rnd.sample(OBJECTIVES, 2), ensure_ascii=False),
        "update_frequency_unit": rnd.choice(FREQUENCY),
        "update_frequency_interval": "1",
        "geo_coverage": "จังหวัด",
        "data_source": f"ระบบสารสนเทศ{th_topic}",
        "data_format": json.dumps(["Shapefile" if f == "SHP" else ("XLS" if f == "XLSX" else f) for f in formats]),
        "data_language": json.dumps(["ไทย", "อังกฤษ"], ensure_ascii=False),
        "accessible_condition": "ไม่มีการจำกัดการเข้าถึงข้อมูล" if classification == "เปิดเผย" else "ขออนุญาตหน่วยงาน",
        "allow_harvest": "True" if classification == "เปิดเผย" else "False",
        "last_updated_date": modified.date().isoformat(),
    }
    if data_type == "ข้อมูลสถิติ":
        extras.update(first_year_of_data=str(year_be - 4), last_year_of_data=str(year_be),
                      unit_of_measure="คน", unit_of_multiplier="หน่วย", official_statistics="False",
                      disaggregate=json.dumps(["เพศ", "ขอบเขตเชิงภูมิศาสตร์หรือเชิงพื้นที่"], ensure_ascii=False))
    elif data_type == "ข้อมูลภูมิสารสนเทศเชิงพื้นที่":
        extras.update(geographic_data_set="ชั้นข้อมูลขอบเขตการปกครอง", equivalent_scale="1:50,000",
                      west_bound_longitude="97.3", east_bound_longitude="105.6",
                      south_bound_longitude="5.6", north_bound_longitude="20.5")
    else:
        extras.update(data_collect="บุคคล", high_value_dataset="False", reference_data="False")
    org_id = org_ids[domain if rnd.random() < 0.85 else rnd.choice(list(org_ids))]
    rows.package.append({
        "id": package_id, "name": f"{slug(en_topic)}-{slug(en_prov)}-{year_ce}-{i:06d}", "title": title,
        "notes": notes, "owner_org": org_id, "creator_user_id": creator, "type": "dataset", "state": "active",
        "private": False,  # as the demo loader: visibility comes from the policy's permission labels
        "maintainer": f"กลุ่มงานข้อมูล{th_topic}", "maintainer_email": "data@example.org",
        "license_id": rnd.choice(LICENSES), "metadata_created": modified, "metadata_modified": modified,
        "extras": extras,
    })
    for position, fmt in enumerate(formats):
        rows.resource.append({
            "id": str(uuid.uuid4()), "package_id": package_id, "position": position, "format": fmt,
            "name": f"{th_topic}{th_break} {th_prov} {year_be} ({fmt})",
            "description": f"ไฟล์ {fmt} ของชุดข้อมูล{th_topic}",
            "url": f"https://data.example.org/{package_id}/{position}.{fmt.lower()}",
            "state": "active", "created": modified, "metadata_modified": modified, "extras": {},
        })
    for tag in dict.fromkeys([th_topic, en_topic, th_prov, th_measure + th_topic, en_break]):
        rows.package_tag.append({"id": str(uuid.uuid4()), "package_id": package_id, "tag_id": tag_id(tag),
                                 "state": "active"})
    rows.member.append({"id": str(uuid.uuid4()), "table_name": "package", "table_id": package_id,
                        "capacity": "organization", "group_id": org_id, "state": "active"})


def generate(n: int, seed: int) -> float:
    """Writes n datasets straight into CKAN's tables, one commit per BATCH; returns the seconds taken."""
    import ckan.model as model
    import ckan.plugins.toolkit as tk

    started = time.perf_counter()
    common.ensure_sysadmin("admin")
    creator = model.User.get("admin").id  # type: ignore[union-attr]
    org_ids = {}
    for key, (name, title) in ORGANIZATIONS.items():
        org = tk.get_action("organization_create")({"ignore_auth": True, "user": "admin"},
                                                   {"name": name, "title": title})
        org_ids[key] = org["id"]
    tags: dict[str, str] = {}
    new_tags: list[dict[str, str]] = []

    def tag_id(name: str) -> str:
        if name not in tags:
            tags[name] = str(uuid.uuid4())
            new_tags.append({"id": tags[name], "name": name})
        return tags[name]

    rnd = random.Random(seed)
    session = model.Session
    for start in range(0, n, BATCH):
        rows = Rows()
        for i in range(start, min(n, start + BATCH)):
            make_dataset(i, rnd, org_ids, tag_id, creator, rows)
        if new_tags:
            session.execute(model.tag_table.insert(), new_tags)
            new_tags.clear()
        session.execute(model.package_table.insert(), rows.package)
        session.execute(model.resource_table.insert(), rows.resource)
        session.execute(model.package_tag_table.insert(), rows.package_tag)
        session.execute(model.member_table.insert(), rows.member)
        session.commit()
        progress("generated", min(n, start + BATCH), n)
    session.execute(sa.text("ANALYZE"))  # fresh planner statistics, as autovacuum would soon give
    session.commit()
    return time.perf_counter() - started


def rows_checksum() -> str:
    """A digest of every stored index column but the time of indexing, to compare two runs."""
    import ckan.model as model
    from ckanext.govcatalog.search import backend

    return model.Session.execute(sa.text(f"""
        SELECT md5(string_agg(md5(ROW(id, site_id, name, title_folded, doc, terms, facets, field_lexemes, tsv,
                   word_text, permission_labels, state, capacity, dataset_type, metadata_modified, data_dict,
                   validated_data_dict)::text), '' ORDER BY id)) FROM {backend.TABLE}""")).scalar_one()


def replicate_index(times: int) -> None:
    """Copy every index row ``times - 1`` times under new ids: a larger index for timing searches
    without indexing it (the copies share their documents, so every hit count grows ``times`` fold)."""
    import ckan.model as model
    from ckanext.govcatalog.search import backend

    columns = [name for (name,) in model.Session.execute(sa.text(
        "SELECT column_name FROM information_schema.columns WHERE table_name = :table ORDER BY ordinal_position"),
        {"table": backend.TABLE})]
    copied = ", ".join("d.id || '-copy-' || k" if name == "id" else f"d.{name}" for name in columns)
    model.Session.execute(sa.text(
        f"INSERT INTO {backend.TABLE} ({', '.join(columns)}) SELECT {copied} "
        f"FROM {backend.TABLE} d, generate_series(1, :copies) k"), {"copies": times - 1})
    model.Session.commit()


def vacuum_analyze() -> None:
    """As autovacuum would after a reindex: statistics, visibility map, GIN's pending list merged."""
    import ckan.model as model

    with model.Session.get_bind().connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE govcatalog_search_document"))


def loadavg() -> str:
    """The machine's load (1, 5 and 15 minutes): other work on the CPUs skews every timing."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def progress(what: str, done: int, total: int) -> None:
    if done == total or done % 10_000 == 0:
        print(f"  {what} {done}/{total}", file=sys.stderr, flush=True)


# --- indexing ----------------------------------------------------------------------

class NoopConnection:
    """A Solr connection that stores nothing: what is left is CKAN's own work."""

    url = "noop://"

    def add(self, docs: list[dict[str, Any]], commit: bool = True, **_: Any) -> None:
        pass

    def delete(self, *args: Any, **kwargs: Any) -> None:
        pass

    def commit(self, **_: Any) -> None:
        pass


def index_all(ids: list[str], label: str) -> float:
    """index_update_package for every id (as `ckan search-index rebuild`), commit per BATCH; seconds."""
    import ckan.logic as logic
    import ckan.model as model

    started = time.perf_counter()
    for count, package_id in enumerate(ids, 1):
        logic.index_update_package({"ignore_auth": True}, package_id, defer_commit=True)
        if count % BATCH == 0:
            model.Session.commit()  # bounded transactions: one for 200k rows would hold every lock
            progress(f"indexed ({label})", count, len(ids))
    model.Session.commit()
    return time.perf_counter() - started


@contextlib.contextmanager
def connection(make: Callable[..., Any]) -> Iterator[None]:
    """Routes CKAN's index writes (ckan.lib.search.index.make_connection) to ``make`` for a while."""
    import ckan.lib.search.index as index

    saved = index.make_connection
    index.make_connection = make  # type: ignore[assignment]
    try:
        yield
    finally:
        index.make_connection = saved  # type: ignore[assignment]


@dataclass
class Timers:
    """Seconds spent inside our backend during the indexing run, to split it by layer."""

    backend_add: float = 0.0
    build_row: float = 0.0


@contextlib.contextmanager
def timed_backend(timers: Timers) -> Iterator[None]:
    """Wraps PostgresSolrConnection.add and build_row with timers (no change to what they do)."""
    from ckanext.govcatalog.search import backend

    add, build_row = backend.PostgresSolrConnection.add, backend.build_row

    def timed_add(self: Any, *args: Any, **kwargs: Any) -> None:
        started = time.perf_counter()
        try:
            add(self, *args, **kwargs)
        finally:
            timers.backend_add += time.perf_counter() - started

    def timed_build_row(doc: dict[str, Any]) -> Any:
        started = time.perf_counter()
        try:
            return build_row(doc)
        finally:
            timers.build_row += time.perf_counter() - started

    backend.PostgresSolrConnection.add, backend.build_row = timed_add, timed_build_row  # type: ignore
    try:
        yield
    finally:
        backend.PostgresSolrConnection.add, backend.build_row = add, build_row  # type: ignore


# --- search latency ----------------------------------------------------------------

def thai_queries(rnd: random.Random, count: int) -> list[str]:
    """Half one word (topic, province or measure+topic), half two words (topic + province/breakdown)."""
    out = []
    for i in range(count):
        topic, province, breakdown = rnd.choice(TOPICS)[0], rnd.choice(PROVINCES)[0], rnd.choice(BREAKDOWNS)[0]
        if i % 2 == 0:
            out.append(rnd.choice([topic, province, rnd.choice(MEASURES)[0] + topic]))
        else:
            out.append(f"{topic} {rnd.choice([province, breakdown])}")
    return out


def english_queries(rnd: random.Random, count: int) -> list[str]:
    topics = [t[1] for t in TOPICS]
    one_word_provinces = [p[1] for p in PROVINCES if " " not in p[1]]
    one_word = [t for t in topics if " " not in t] + one_word_provinces
    out = []
    for i in range(count):
        if i % 2 == 0:
            out.append(rnd.choice(one_word))
        else:
            second = rnd.choice([rnd.choice(one_word_provinces), rnd.choice(["monthly", "annual", "district"])])
            out.append(f"{rnd.choice(topics).split()[0]} {second}")
    return out


def search_anonymous(q: str) -> tuple[float, int]:
    """One package_search as an anonymous visitor; returns (milliseconds, hits)."""
    import ckan.plugins.toolkit as tk

    context = {"user": ""}  # no user: permission labels ['public'], public datasets only
    started = time.perf_counter()
    answer = tk.get_action("package_search")(context, {"q": q, "rows": ROWS, "facet.field": FACETS})
    return (time.perf_counter() - started) * 1000, answer["count"]


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def latency(queries: list[str]) -> dict[str, Any]:
    timings, hits = zip(*(search_anonymous(q) for q in queries))
    return {
        "queries": len(queries),
        "p50_ms": percentile(list(timings), 0.50),
        "p95_ms": percentile(list(timings), 0.95),
        "mean_ms": statistics.fmean(timings),
        "max_ms": max(timings),
        "median_hits": statistics.median(hits),
        "zero_hit_queries": sum(1 for h in hits if h == 0),
        "slowest": sorted(({"q": q, "ms": round(t, 1), "hits": h} for q, t, h in zip(queries, timings, hits)),
                          key=lambda r: -r["ms"])[:5],
    }


# --- report ------------------------------------------------------------------------

def latency_targets(datasets: int) -> tuple[float, float]:
    """(p50, p95) in ms for a catalog of this size: the smallest size class that holds it."""
    for size, targets in sorted(LATENCY_TARGETS_MS.items()):
        if datasets <= size:
            return targets
    return LATENCY_TARGETS_MS[max(LATENCY_TARGETS_MS)]


def checks(rate: Optional[float], thai: dict[str, Any], english: dict[str, Any],
           parallel_rate: float, datasets: int) -> list[tuple[str, float, str, bool]]:
    """(what, measured, target, met) for each target that this run measured."""
    reindex_rate = 20000 / TARGET_REINDEX_20K_S
    p50, p95 = latency_targets(datasets)
    out = []
    if rate is not None:
        out.append(("index rate (datasets/s)", rate, f">= {TARGET_INDEX_RATE:.0f}", rate >= TARGET_INDEX_RATE))
    out.append(("reindex (datasets/s)", parallel_rate, f">= {reindex_rate:.0f}", parallel_rate >= reindex_rate))
    for name, s in (("Thai", thai), ("English", english)):
        out.append((f"{name} p50 (ms)", s["p50_ms"], f"<= {p50:.0f}", s["p50_ms"] <= p50))
        out.append((f"{name} p95 (ms)", s["p95_ms"], f"<= {p95:.0f}", s["p95_ms"] <= p95))
    return out


def report(r: dict[str, Any]) -> None:
    idx, th, en = r["indexing"], r["search"]["thai"], r["search"]["english"]
    serial = "ours_s" in idx
    par = idx["parallel"]
    print()
    print(f"Search benchmark: {r['datasets']} synthetic Thai datasets ({r['indexed_documents']} indexed), "
          f"{r['cpus']} CPUs, {r['postgres']}")
    if r.get("replicate", 1) > 1:
        print(f"Searched over the index copied {r['replicate']} times (each dataset's document under "
              f"{r['replicate']} ids; hit counts grow as much; indexing figures are for the {r['datasets']})")
    print(f"Code {r['code']}, plugins: {r['plugins']}")
    print(f"Data generation (straight into CKAN's tables, not indexing): {r['generation_s']:.1f} s")
    print()
    index_rate = f"{idx['rate_per_s']:8.1f}" if serial else f"{'-':>8}"
    print(f"{'N':>7} | {'index/s':>8} {'reindex/s':>9} | {'TH p50':>7} {'TH p95':>7} | {'EN p50':>7} {'EN p95':>7}")
    print(f"{r['datasets']:7d} | {index_rate} {par['rate_per_s']:9.1f} | {th['p50_ms']:7.1f} "
          f"{th['p95_ms']:7.1f} | {en['p50_ms']:7.1f} {en['p95_ms']:7.1f}   (ms)")
    print(f"Load while it ran (/proc/loadavg, 1/5/15 min): before {r['load']['before']}, "
          f"after indexing {r['load']['after_indexing']}, at the end {r['load']['end']}")
    print()
    print("Targets:")
    for name, value, target, ok in checks(idx["rate_per_s"] if serial else None, th, en, par["rate_per_s"],
                                          r["indexed_documents"]):
        print(f"  {name:24} {value:9.1f}  target {target:7}  {'PASS' if ok else 'FAIL'}")
    print()
    if serial:
        print("Indexing, same run, all N datasets, index_update_package per id, commit per 1000:")
        print(f"  CKAN alone (package_show_default_and_custom_schemas + Solr document, no-op connection): "
              f"{idx['ckan_only_s']:.1f} s = {idx['ckan_only_rate_per_s']:.1f} datasets/s")
        print(f"  CKAN + govcatalog_search (same, then Thai analysis + upsert in PostgreSQL):            "
              f"{idx['ours_s']:.1f} s = {idx['rate_per_s']:.1f} datasets/s")
        print(f"  ratio our indexing time / CKAN's own document-building time: {idx['ratio']:.2f}x")
        print(f"  inside the govcatalog run: backend add() {idx['backend_add_s']:.1f} s "
              f"(of which build_row/Thai analysis {idx['build_row_s']:.1f} s, SQL upsert ~"
              f"{idx['backend_add_s'] - idx['build_row_s']:.1f} s), "
              f"CKAN's part {idx['ours_s'] - idx['backend_add_s']:.1f} s")
        print(f"  Thai segmentation cache during the run: {idx['thai_cache']}")
    else:
        print("Serial indexing runs skipped (--parallel-only).")
    versus_serial = (f"{par['speedup']:.2f}x the serial run; rows identical to the serial run's: "
                     f"{'yes' if par['same_rows_as_serial'] else 'NO'}; " if serial else "")
    print(f"  parallel (ckan govcatalog reindex, {par['workers']} worker processes, multi-row upserts, into an "
          f"emptied index): {par['seconds']:.1f} s = {par['rate_per_s']:.1f} datasets/s, "
          f"{versus_serial}failures {par['failed']}")
    serial_cpu = (f"serial {idx['ours_cpu_s']:.1f} s = {idx['ours_cpu_s'] / r['datasets'] * 1000:.1f} ms a "
                  "dataset, " if serial else "")
    print(f"    CPU of the indexing processes (PostgreSQL's not included): {serial_cpu}parallel "
          f"{par['cpu_s']:.1f} s = {par['cpu_s'] / r['datasets'] * 1000:.1f} ms a dataset; parallel time "
          f"writing batches {par['write_s']:.1f} s (summed over workers)")
    print()
    for name, s in (("Thai", th), ("English", en)):
        print(f"{name} queries: {s['queries']}, mean {s['mean_ms']:.1f} ms, max {s['max_ms']:.1f} ms, "
              f"median hits {s['median_hits']}, zero-hit queries {s['zero_hit_queries']}")
        print("  slowest: " + "; ".join(f"{x['q']!r} {x['ms']} ms ({x['hits']} hits)" for x in s["slowest"]))
    print("(latency: package_search action as an anonymous user, rows=20, facets "
          f"{', '.join(FACETS)}, after {WARMUP} warm-up queries)")


def index_serially(ids: list[str]) -> tuple[dict[str, Any], str]:
    """CKAN alone, then ours, one index_update_package per id; empties the index afterwards so the
    parallel reindex starts from an empty index too. Returns the timings and the rows' checksum."""
    import ckan.model as model
    from ckanext.govcatalog.search import backend, thai

    # Warm-up, not timed: the first package_show calls load CKAN's validators and plugin caches.
    with connection(lambda *a, **k: NoopConnection()):
        index_all(ids[:200], "warm-up")
        ckan_only_s = index_all(ids, "CKAN alone")
    timers = Timers()
    cpu_started = time.process_time()
    with timed_backend(timers):
        ours_s = index_all(ids, "govcatalog_search")
    ours_cpu_s = time.process_time() - cpu_started
    model.Session.commit()
    cache = thai._segment_thai.cache_info()
    checksum = rows_checksum()
    model.Session.execute(sa.text(f"TRUNCATE {backend.TABLE}"))
    model.Session.commit()
    return {
        "ckan_only_s": ckan_only_s,
        "ckan_only_rate_per_s": len(ids) / ckan_only_s,
        "ours_s": ours_s,
        "ours_cpu_s": ours_cpu_s,
        "rate_per_s": len(ids) / ours_s,
        "ratio": ours_s / ckan_only_s,
        "backend_add_s": timers.backend_add,
        "build_row_s": timers.build_row,
        "thai_cache": f"hits {cache.hits}, misses {cache.misses}",
    }, checksum


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", type=int, default=20000, help="number of synthetic datasets (default 20000)")
    parser.add_argument("--queries", type=int, default=200, help="timed queries per language (default 200)")
    parser.add_argument("--seed", type=int, default=2566)
    parser.add_argument("--replicate", type=int, default=1,
                        help="search over N x this many index rows: after indexing, each document is copied "
                             "(new ids) this many times less one; search latency only (default 1: no copies)")
    parser.add_argument("--parallel-only", action="store_true",
                        help="skip the serial indexing runs (CKAN alone, ours): only the parallel reindex, then search")
    parser.add_argument("--workers", type=int, default=None,
                        help="processes of the parallel reindex (default: the CPU count)")
    args = parser.parse_args()

    code = common.code_version()  # before anything is imported: the code that runs is the code named
    ini = common.fresh_bench_db()
    load = {"before": loadavg()}
    with common.app_context(ini):
        import ckan.model as model
        from ckanext.govcatalog.search import backend, reindex

        print(f"Generating {args.datasets} datasets...", file=sys.stderr)
        generation_s = generate(args.datasets, args.seed)
        ids = [i for (i,) in model.Session.query(model.Package.id).filter_by(state="active", type="dataset")]

        serial: Optional[dict[str, Any]] = None
        serial_rows = None
        if not args.parallel_only:
            serial, serial_rows = index_serially(ids)
        workers = args.workers or reindex.default_workers()
        print(f"Parallel reindex with {workers} workers...", file=sys.stderr)
        parallel = reindex.reindex(workers, ids, keep_orphans=True)
        load["after_indexing"] = loadavg()
        same_rows = None if serial_rows is None else rows_checksum() == serial_rows
        if args.replicate > 1:
            print(f"Copying the index to {args.replicate} x {len(ids)} rows...", file=sys.stderr)
            replicate_index(args.replicate)
        model.Session.commit()
        vacuum_analyze()
        indexed = model.Session.execute(sa.text(f"SELECT count(*) FROM {backend.TABLE}")).scalar_one()

        rnd = random.Random(args.seed)
        th_q, en_q = thai_queries(rnd, args.queries), english_queries(rnd, args.queries)
        for q in thai_queries(random.Random(1), WARMUP // 2) + english_queries(random.Random(1), WARMUP // 2):
            search_anonymous(q)
        search = {"thai": latency(th_q), "english": latency(en_q)}
        postgres = model.Session.execute(sa.text("SHOW server_version")).scalar_one()
    load["end"] = loadavg()

    p50_target, p95_target = latency_targets(indexed)
    result = {
        "code": code,
        "plugins": common.PLUGINS,
        "datasets": args.datasets,
        "replicate": args.replicate,
        "indexed_documents": indexed,
        "cpus": os.cpu_count(),
        "load": load,
        "postgres": f"PostgreSQL {postgres}",
        "generation_s": generation_s,
        "indexing": {
            **(serial or {"serial": "not run (--parallel-only)"}),
            "parallel": {
                "workers": parallel.workers,
                "seconds": parallel.seconds,
                "rate_per_s": parallel.rate,
                "speedup": serial["ours_s"] / parallel.seconds if serial else None,
                "failed": len(parallel.failed),
                "same_rows_as_serial": same_rows,
                "cpu_s": parallel.cpu_seconds,
                "write_s": parallel.write_seconds,
                "what": "ckan govcatalog reindex: forked worker processes, batches of datasets, "
                        "multi-row upserts, one commit a batch; into an emptied index",
            },
            "what": "index_update_package per dataset id with defer_commit, commit per 1000; "
                    "ckan_only = no-op connection (CKAN's package_show + document building only)",
        },
        "search": search,
        "targets": {"p50_ms": p50_target, "p95_ms": p95_target, "index_rate_per_s": TARGET_INDEX_RATE,
                    "reindex_20000_s": TARGET_REINDEX_20K_S},
        "pass": {name: ok for name, _, _, ok in checks(serial["rate_per_s"] if serial else None, search["thai"],
                                                         search["english"], parallel.rate, indexed)},
    }
    report(result)
    copies = f"x{args.replicate}" if args.replicate > 1 else ""
    path = common.write_json(f"search-{args.datasets}{copies}.json", result)
    print(f"\nWrote {path.relative_to(common.ROOT)}")


if __name__ == "__main__":
    main()
