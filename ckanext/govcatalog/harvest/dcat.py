"""DCAT-AP 3 / GeoDCAT-AP profile of the national metadata standard (มสพร.1/2566).

Chained after ckanext-dcat's ``euro_dcat_ap_3`` (``ckanext.dcat.rdf.profiles = euro_dcat_ap_3
govcatalog_dcat``): that profile writes title, description, keywords, dates, identifier, contact
and publisher; this one adds what the standard says in DCAT-AP terms (licence, access rights from
the level, accrualPeriodicity, spatial coverage with its bounding box, temporal coverage from the
first and last year, theme and category, languages, conformsTo the national standard) and keeps
every national field, under its own name, in the ``gc:`` namespace below, so that nothing is lost;
``parse_dataset`` reads them back (a catalog running this suite harvests them intact, Thai names
and tags included).

The namespace (https://w3id.org/th-govcatalog/ns#): ``gc:<field name>`` for every field of
schemas/dataset.yaml, dataset or resource, with the stored value as a plain literal (one triple per
list item); ``gc:name`` is the dataset's name in its catalog; ``gc:NationalStandard`` is the
มสพร.1/2566 standard; ``gc:category/<value>`` the concepts of the data categories.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Optional

import yaml
from rdflib import BNode, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS, XSD

from ckanext.dcat.profiles.base import RDFProfile

from ckanext.govcatalog import policy

GC = Namespace("https://w3id.org/th-govcatalog/ns#")
GSP = Namespace("http://www.opengis.net/ont/geosparql#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
EU = "http://publications.europa.eu/resource/authority/"
SCHEMA_FILE = Path(__file__).resolve().parents[3] / "schemas" / "dataset.yaml"

# Written by euro_dcat_ap_3 from CKAN's own fields, or by this profile in DCAT terms only.
CORE_FIELDS = frozenset({"title", "name", "notes", "tag_string", "owner_org", "maintainer", "maintainer_email",
                         "url", "groups"})
CORE_RESOURCE_FIELDS = frozenset({"url", "name", "description", "format"})

LICENSES = {
    "Creative Commons Attributions": "https://creativecommons.org/licenses/by/4.0/",
    "Creative Commons Attribution Non-Commercial": "https://creativecommons.org/licenses/by-nc/4.0/",
    "Creative Commons Attribution Share-Alike": "https://creativecommons.org/licenses/by-sa/4.0/",
    "Creative Commons Attribution Non-Commercial Share-Alike": "https://creativecommons.org/licenses/by-nc-sa/4.0/",
    "Creative Commons Attribution Non-Commercial No-Derivs": "https://creativecommons.org/licenses/by-nc-nd/4.0/",
    "Creative Commons Attribution No-Derivs": "https://creativecommons.org/licenses/by-nd/4.0/",
}
FREQUENCIES = {
    "ปี": "ANNUAL", "ครึ่งปี": "ANNUAL_2", "ไตรมาส": "QUARTERLY", "เดือน": "MONTHLY", "สัปดาห์": "WEEKLY",
    "วัน": "DAILY", "วันทำการ": "DAILY", "ชั่วโมง": "HOURLY", "นาที": "1MIN", "ตามเวลาจริง": "CONT",
    "ไม่มีการปรับปรุงหลังจากการจัดเก็บข้อมูล": "NEVER", "ไม่ทราบ": "UNKNOWN", "อื่นๆ": "OTHER",
}
# (unit, interval) with a code of its own
EVERY = {("ปี", 2): "BIENNIAL", ("ปี", 3): "TRIENNIAL", ("ปี", 4): "QUADRENNIAL", ("ปี", 5): "QUINQUENNIAL",
         ("ปี", 10): "DECENNIAL", ("เดือน", 2): "BIMONTHLY", ("เดือน", 3): "QUARTERLY", ("เดือน", 6): "ANNUAL_2",
         ("สัปดาห์", 2): "BIWEEKLY", ("ชั่วโมง", 2): "BIHOURLY", ("ชั่วโมง", 3): "TRIHOURLY",
         ("ชั่วโมง", 12): "12HRS", ("นาที", 5): "5MIN", ("นาที", 10): "10MIN", ("นาที", 15): "15MIN",
         ("นาที", 30): "30MIN"}
LANGUAGES = {"ไทย": "THA", "อังกฤษ": "ENG", "จีน": "ZHO", "มลายู": "MSA", "พม่า": "MYA", "ลาว": "LAO",
             "เขมร": "KHM", "ญี่ปุ่น": "JPN", "เกาหลี": "KOR", "ฝรั่งเศส": "FRA", "เยอรมัน": "DEU", "อารบิก": "ARA"}
# The catalog's language as CKAN names it (ckan.locale_default) -> EU language authority code
LOCALES = {"th": "THA", "en": "ENG"}
# What DCAT-AP 3 expects each value to be (its SHACL shapes check the class, no inference): the
# controlled-vocabulary and web resources we point at are typed so in the graph itself.
RANGES = {DCTERMS.accessRights: DCTERMS.RightsStatement, DCTERMS.accrualPeriodicity: DCTERMS.Frequency,
          DCTERMS.license: DCTERMS.LicenseDocument, DCTERMS.language: DCTERMS.LinguisticSystem,
          DCAT.contactPoint: VCARD.Kind}
DISTRIBUTION_RANGES = {DCTERMS.license: DCTERMS.LicenseDocument, DCAT.accessURL: RDFS.Resource,
                       DCAT.downloadURL: RDFS.Resource}
FILE_TYPE = f"{EU}file-type/"
SCHEME_TITLES = {"DataCategories": "หมวดหมู่ข้อมูล", "DataTypes": "ประเภทชุดข้อมูล", "Groups": "กลุ่มชุดข้อมูล"}
CATALOG_DESCRIPTION = "บัญชีข้อมูลหน่วยงานตามมาตรฐาน มสพร.1/2566"
STANDARD_TITLE = "มสพร.1/2566 มาตรฐานสำนักงานพัฒนารัฐบาลดิจิทัล ว่าด้วยแนวทางการจัดทำบัญชีข้อมูลภาครัฐ"
BUDDHIST_ERA_OFFSET = 543


@lru_cache(maxsize=1)
def national_fields() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Dataset and resource fields of the schema kept under gc: (all but CKAN's own)."""
    schema = yaml.safe_load(SCHEMA_FILE.read_text(encoding="utf-8"))
    dataset = tuple(f["field_name"] for f in schema["dataset_fields"] if f["field_name"] not in CORE_FIELDS)
    resource = tuple(f["field_name"] for f in schema["resource_fields"] if f["field_name"] not in CORE_RESOURCE_FIELDS)
    return dataset, resource


def _values(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if v is not None and v != ""]
    return [str(value)]


def common_era_year(value: Any) -> Optional[int]:
    """A year as written (Buddhist era such as 2566 or common era), in the common era."""
    match = re.fullmatch(r"\s*(\d{4})\s*", str(value or ""))
    if not match:
        return None
    year = int(match.group(1))
    return year - BUDDHIST_ERA_OFFSET if year > 2400 else year


def frequency_code(unit: Any, interval: Any) -> Optional[str]:
    try:
        every = int(interval) if interval not in (None, "") else 1
    except (TypeError, ValueError):
        every = 1
    if every > 1 and (unit, every) in EVERY:
        return EVERY[(unit, every)]
    if every > 1:
        return "IRREG" if unit in FREQUENCIES else None
    return FREQUENCIES.get(unit) if isinstance(unit, str) else None


def access_right(level: Any) -> str:
    """PUBLIC for open data; RESTRICTED for shared levels (listed, files on request); NON_PUBLIC
    for anything else (never written: top secret does not leave the catalog)."""
    effective = policy.effective_level(level)
    if effective == policy.OPEN:
        return "PUBLIC"
    return "NON_PUBLIC" if effective == policy.TOP_SECRET else "RESTRICTED"


def bbox_wkt(dataset: dict[str, Any]) -> Optional[str]:
    try:
        west, east = float(dataset["west_bound_longitude"]), float(dataset["east_bound_longitude"])
        south, north = float(dataset["south_bound_longitude"]), float(dataset["north_bound_longitude"])
    except (KeyError, TypeError, ValueError):
        return None
    return f"POLYGON(({west} {south},{east} {south},{east} {north},{west} {north},{west} {south}))"


class GovcatalogDCATProfile(RDFProfile):
    """The national standard in DCAT-AP 3 / GeoDCAT-AP terms, and every national field under gc:."""

    # --- writing ------------------------------------------------------------------------------

    def graph_from_dataset(self, dataset_dict: dict[str, Any], dataset_ref: Any) -> None:
        g = self.g
        g.bind("gc", GC)
        g.bind("gsp", GSP)
        g.add((dataset_ref, GC.name, Literal(dataset_dict.get("name") or "")))
        dataset_fields, resource_fields = national_fields()
        for field in dataset_fields:
            for value in _values(dataset_dict.get(field)):
                g.add((dataset_ref, GC[field], Literal(value)))
        license_node = self._license(dataset_dict)
        if license_node is not None:
            g.set((dataset_ref, DCTERMS.license, license_node))
        g.set((dataset_ref, DCTERMS.accessRights,
               URIRef(f"{EU}access-right/{access_right(dataset_dict.get('data_classification'))}")))
        self._frequency(dataset_dict, dataset_ref)
        self._spatial(dataset_dict, dataset_ref)
        self._temporal(dataset_dict, dataset_ref)
        self._themes(dataset_dict, dataset_ref)
        for language in _values(dataset_dict.get("data_language")):
            if language in LANGUAGES:
                g.add((dataset_ref, DCTERMS.language, URIRef(f"{EU}language/{LANGUAGES[language]}")))
        g.add((dataset_ref, DCTERMS.conformsTo, GC.NationalStandard))
        g.add((GC.NationalStandard, RDF.type, DCTERMS.Standard))
        g.set((GC.NationalStandard, DCTERMS.title, Literal(STANDARD_TITLE, lang="th")))
        for resource in dataset_dict.get("resources") or []:
            distribution = self._distribution_of(dataset_ref, resource)
            if distribution is None:
                continue
            for field in resource_fields:
                for value in _values(resource.get(field)):
                    g.add((distribution, GC[field], Literal(value)))
            if license_node is not None:
                g.set((distribution, DCTERMS.license, license_node))
            self._format(distribution)
            self._type_values(distribution, DISTRIBUTION_RANGES)
        self._type_values(dataset_ref, RANGES)

    def graph_from_catalog(self, catalog_dict: Any, catalog_ref: Any) -> None:
        from ckan.plugins.toolkit import config

        g = self.g
        g.bind("gc", GC)
        g.add((catalog_ref, DCTERMS.conformsTo, GC.NationalStandard))
        for language in list(g.objects(catalog_ref, DCTERMS.language)):
            if isinstance(language, Literal):  # ckan.locale_default as written ("th"): the EU code
                g.remove((catalog_ref, DCTERMS.language, language))
                code = LOCALES.get(str(language).split("_")[0].lower())
                if code:
                    g.add((catalog_ref, DCTERMS.language, URIRef(f"{EU}language/{code}")))
        self._type_values(catalog_ref, {DCTERMS.language: DCTERMS.LinguisticSystem, FOAF.homepage: FOAF.Document})
        if g.value(catalog_ref, DCTERMS.description) is None:
            g.add((catalog_ref, DCTERMS.description, Literal(CATALOG_DESCRIPTION, lang="th")))
        if g.value(catalog_ref, DCTERMS.publisher) is None:  # the agency that runs the catalog
            publisher = BNode()
            g.add((catalog_ref, DCTERMS.publisher, publisher))
            g.add((publisher, RDF.type, FOAF.Agent))
            g.add((publisher, FOAF.name, Literal(config.get("ckan.site_title") or "CKAN")))

    def _type_values(self, subject: Any, ranges: dict[Any, Any]) -> None:
        for predicate, cls in ranges.items():
            for value in self.g.objects(subject, predicate):
                if isinstance(value, (URIRef, BNode)):
                    self.g.add((value, RDF.type, cls))

    def _format(self, distribution: Any) -> None:
        """dct:format as the EU file-type concept (a DCAT-AP 3 MediaTypeOrExtent), labelled with the
        format as written (parse_dataset reads the label back)."""
        for value in list(self.g.objects(distribution, DCTERMS["format"])):
            if not isinstance(value, Literal):
                continue
            self.g.remove((distribution, DCTERMS["format"], value))
            label = str(value).strip()
            code = re.sub(r"[^A-Z0-9_]", "_", label.upper())
            node = URIRef(FILE_TYPE + code) if code else BNode()
            self.g.add((distribution, DCTERMS["format"], node))
            self.g.add((node, RDF.type, DCTERMS.MediaTypeOrExtent))
            self.g.set((node, RDFS.label, Literal(label)))

    def _distribution_of(self, dataset_ref: Any, resource: dict[str, Any]) -> Any:
        from ckanext.dcat.utils import resource_uri

        ref = URIRef(resource_uri(resource))
        return ref if (dataset_ref, DCAT.distribution, ref) in self.g else None

    def _license(self, dataset_dict: dict[str, Any]) -> Any:
        license_id = dataset_dict.get("license_id")
        if not license_id:
            return None
        if license_id in LICENSES:
            return URIRef(LICENSES[license_id])
        node = BNode()
        self.g.add((node, RDF.type, DCTERMS.LicenseDocument))
        label = dataset_dict.get("license_id_other") if license_id == "อื่นๆ" else license_id
        self.g.add((node, RDFS.label, Literal(label or license_id)))
        return node

    def _frequency(self, dataset_dict: dict[str, Any], dataset_ref: Any) -> None:
        code = frequency_code(dataset_dict.get("update_frequency_unit"), dataset_dict.get("update_frequency_interval"))
        if code:
            self.g.set((dataset_ref, DCTERMS.accrualPeriodicity, URIRef(f"{EU}frequency/{code}")))

    def _spatial(self, dataset_dict: dict[str, Any], dataset_ref: Any) -> None:
        coverage = [v for v in _values(dataset_dict.get("geo_coverage")) if v not in ("ไม่มี", "ไม่ทราบ")]
        wkt = bbox_wkt(dataset_dict)
        if not coverage and not wkt:
            return
        location = BNode()
        self.g.add((dataset_ref, DCTERMS.spatial, location))
        self.g.add((location, RDF.type, DCTERMS.Location))
        for value in coverage:
            label = dataset_dict.get("geo_coverage_other") if value == "อื่นๆ" else value
            self.g.add((location, SKOS.prefLabel, Literal(label or value, lang="th")))
        if wkt:
            self.g.add((location, DCAT.bbox, Literal(wkt, datatype=GSP.wktLiteral)))

    def _temporal(self, dataset_dict: dict[str, Any], dataset_ref: Any) -> None:
        first = common_era_year(dataset_dict.get("first_year_of_data"))
        last = common_era_year(dataset_dict.get("last_year_of_data"))
        if first is None and last is None:
            return
        period = BNode()
        self.g.add((dataset_ref, DCTERMS.temporal, period))
        self.g.add((period, RDF.type, DCTERMS.PeriodOfTime))
        if first is not None:
            self.g.add((period, DCAT.startDate, Literal(f"{first:04d}", datatype=XSD.gYear)))
        if last is not None:
            self.g.add((period, DCAT.endDate, Literal(f"{last:04d}", datatype=XSD.gYear)))

    def _themes(self, dataset_dict: dict[str, Any], dataset_ref: Any) -> None:
        for category in _values(dataset_dict.get("data_category")):
            concept = GC[f"category/{category}"]
            self.g.add((dataset_ref, DCAT.theme, concept))
            self._concept(concept, category, GC.DataCategories)
        for data_type in _values(dataset_dict.get("data_type")):
            concept = GC[f"type/{data_type}"]
            self.g.add((dataset_ref, DCTERMS.type, concept))
            self._concept(concept, data_type, GC.DataTypes)
        for group in dataset_dict.get("groups") or []:
            if isinstance(group, dict) and group.get("name"):
                concept = GC[f"group/{group['name']}"]
                self.g.add((dataset_ref, DCAT.theme, concept))
                self._concept(concept, group.get("title") or group["name"], GC.Groups)

    def _concept(self, concept: Any, label: str, scheme: Any) -> None:
        self.g.add((concept, RDF.type, SKOS.Concept))
        self.g.set((concept, SKOS.prefLabel, Literal(label, lang="th")))
        self.g.add((concept, SKOS.inScheme, scheme))
        self.g.add((scheme, RDF.type, SKOS.ConceptScheme))
        self.g.set((scheme, DCTERMS.title, Literal(SCHEME_TITLES[str(scheme)[len(str(GC)):]], lang="th")))

    # --- reading (a catalog running this suite harvests the national fields back) ------------------

    def parse_dataset(self, dataset_dict: dict[str, Any], dataset_ref: Any) -> dict[str, Any]:
        name = self._object_value(dataset_ref, GC.name)
        if name:
            dataset_dict["name"] = name  # not a name made from a Thai title ("__")
        dataset_fields, resource_fields = national_fields()
        national = {field: self._gc_values(dataset_ref, field) for field in dataset_fields}
        self._put(dataset_dict, {k: v for k, v in national.items() if v is not None})
        contact: dict[str, Any] = next(iter(self._contact_details(dataset_ref, DCAT.contactPoint)), {})
        if contact.get("name") and not dataset_dict.get("maintainer"):
            dataset_dict["maintainer"] = str(contact["name"])
        if contact.get("email") and not dataset_dict.get("maintainer_email"):
            dataset_dict["maintainer_email"] = str(contact["email"]).removeprefix("mailto:")
        tags = [t for t in self._object_value_list(dataset_ref, DCAT.keyword) or []]
        if tags:
            dataset_dict["tags"] = [{"name": t} for t in tags]  # as written: Thai tags kept
        for resource in dataset_dict.get("resources") or []:
            uri = resource.get("uri")
            if not uri:
                continue
            for field in resource_fields:
                value = self._gc_values(URIRef(uri), field)
                if value is not None:
                    resource[field] = value
            label = self._format_label(URIRef(uri))
            if label:
                resource["format"] = label
        return dataset_dict

    def _format_label(self, distribution: Any) -> Optional[str]:
        for value in self.g.objects(distribution, DCTERMS["format"]):
            label = self.g.value(value, RDFS.label)
            if label is not None and str(value).startswith(FILE_TYPE):
                return str(label)
        return None

    def _gc_values(self, subject: Any, field: str) -> Any:
        values = [str(o) for o in self.g.objects(subject, GC[field])]
        if not values:
            return None
        return values if len(values) > 1 or self._is_list_field(field) else values[0]

    def _is_list_field(self, field: str) -> bool:
        return field in _list_fields()

    def _put(self, dataset_dict: dict[str, Any], values: dict[str, Any]) -> None:
        """At the top level for a scheming schema that has the field; as extras otherwise."""
        schema_fields = {f["field_name"] for f in (self._dataset_schema or {}).get("dataset_fields", [])}
        extras = [e for e in dataset_dict.get("extras", []) if e.get("key") not in values]
        for key, value in values.items():
            if key in schema_fields:
                dataset_dict[key] = value
            else:
                extras.append({"key": key, "value": value if isinstance(value, str) else ",".join(value)})
        dataset_dict["extras"] = [e for e in extras if e.get("key") not in schema_fields]


@lru_cache(maxsize=1)
def _list_fields() -> frozenset[str]:
    schema = yaml.safe_load(SCHEMA_FILE.read_text(encoding="utf-8"))
    return frozenset(f["field_name"] for f in schema["dataset_fields"] + schema["resource_fields"]
                     if "multiple" in str(f.get("preset", "")))


def iter_national_triples(graph: Any, subject: Any) -> Iterable[tuple[str, str]]:
    """(field, value) pairs of gc: fields on a subject (tests and tools)."""
    for predicate, value in graph.predicate_objects(subject):
        if str(predicate).startswith(str(GC)):
            yield str(predicate)[len(str(GC)):], str(value)
