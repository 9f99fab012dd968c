"""The DCAT catalog: the national fields in DCAT-AP 3 / GeoDCAT-AP terms and under gc:, only what may
be harvested, restricted entries without distributions; valid Turtle, JSON-LD and RDF/XML."""
from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, SKOS, XSD

from ckan.tests import helpers

from ckanext.govcatalog.harvest import dcat
from ckanext.govcatalog.harvest.dcat import GC, GSP
from ckanext.govcatalog.tests.harvest.conftest import CONFIDENTIAL, INTERNAL, TOP_SECRET
from ckanext.govcatalog.tests.workflow.conftest import WORKFLOW_PLUGINS

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", WORKFLOW_PLUGINS + " dcat structured_data"),
    pytest.mark.ckan_config("ckanext.dcat.rdf.profiles", "euro_dcat_ap_3 govcatalog_dcat"),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index"),
]
EU = "http://publications.europa.eu/resource/authority/"
FORMATS = {"ttl": "turtle", "jsonld": "json-ld", "xml": "xml", "rdf": "xml"}


def catalog(agency, fmt: str = "ttl", user: str | None = None, **query) -> Graph:
    headers = {"Authorization": agency.users[user]["token"]} if user else {}
    response = agency.app.get(f"/catalog.{fmt}", query_string=query, headers=headers)
    assert response.status_code == 200, response.body
    return Graph().parse(data=response.body, format=FORMATS[fmt])


def dataset_ref(graph: Graph, name: str) -> URIRef:
    found = [s for s in graph.subjects(GC.name, Literal(name)) if isinstance(s, URIRef)]
    assert len(found) == 1, f"{name}: {found}"
    assert isinstance(found[0], URIRef)
    return found[0]


def names(graph: Graph) -> set[str]:
    return {str(o) for o in graph.objects(None, GC.name)}


def test_the_catalog_holds_what_may_be_harvested_whoever_asks(agency):
    agency.publish("open-one")
    agency.publish("shared-one", **CONFIDENTIAL)
    agency.publish("withheld", **INTERNAL, allow_harvest="False")
    agency.publish("secret-one", **TOP_SECRET)
    agency.create("draft-one")
    for user in (None, "editor", "sysadmin"):
        assert names(catalog(agency, user=user)) == {"open-one", "shared-one"}, user
    graph = catalog(agency)
    assert list(graph.objects(dataset_ref(graph, "shared-one"), DCAT.distribution)) == [], "metadata only"
    assert len(list(graph.objects(dataset_ref(graph, "open-one"), DCAT.distribution))) == 1


@pytest.mark.parametrize("fmt", ["ttl", "jsonld", "xml"])
def test_national_fields_in_dcat_terms_and_under_gc(agency, fmt):
    published = agency.publish("stats", last_year_of_data="2566", first_year_of_data="2560",
                               update_frequency_unit="ปี", update_frequency_interval="1",
                               data_language=["ไทย", "อังกฤษ"])
    graph = catalog(agency, fmt)
    ref = dataset_ref(graph, "stats")
    assert (ref, DCTERMS.accessRights, URIRef(f"{EU}access-right/PUBLIC")) in graph
    assert (ref, DCTERMS.accrualPeriodicity, URIRef(f"{EU}frequency/ANNUAL")) in graph
    assert {str(o) for o in graph.objects(ref, DCTERMS.language)} == {f"{EU}language/THA", f"{EU}language/ENG"}
    assert (ref, DCTERMS.conformsTo, GC.NationalStandard) in graph
    license_node = graph.value(ref, DCTERMS.license)
    assert str(graph.value(license_node, URIRef("http://www.w3.org/2000/01/rdf-schema#label"))) == "Open Data Common"
    period = graph.value(ref, DCTERMS.temporal)
    assert graph.value(period, DCAT.startDate) == Literal("2017", datatype=XSD.gYear)  # 2560 BE
    assert graph.value(period, DCAT.endDate) == Literal("2023", datatype=XSD.gYear)
    theme = graph.value(ref, DCAT.theme)
    assert str(graph.value(theme, SKOS.prefLabel)) == "ข้อมูลสาธารณะ"
    assert str(graph.value(graph.value(ref, DCTERMS.spatial), SKOS.prefLabel)) == "จังหวัด"
    # nothing lost: every national field of the dataset is there under its own name
    national = {}
    for field, value in dcat.iter_national_triples(graph, ref):
        national.setdefault(field, []).append(value)
    for field in dcat.national_fields()[0]:
        stored = published.get(field)
        if stored in (None, "", []):
            continue
        expected = sorted(stored) if isinstance(stored, list) else [str(stored)]
        assert sorted(national.get(field, [])) == expected, field
    assert {str(t) for t in graph.objects(ref, DCAT.keyword)} == {"ประชากร", "จังหวัด"}


def test_gis_bounding_box_and_restricted_access(agency):
    agency.publish("map", data_type="ข้อมูลภูมิสารสนเทศเชิงพื้นที่", **CONFIDENTIAL)
    graph = catalog(agency)
    ref = dataset_ref(graph, "map")
    assert (ref, DCTERMS.accessRights, URIRef(f"{EU}access-right/RESTRICTED")) in graph
    bbox = graph.value(graph.value(ref, DCTERMS.spatial), DCAT.bbox)
    assert bbox.datatype == GSP.wktLiteral and str(bbox).startswith("POLYGON((97.3 5.6,105.6 5.6")


def test_a_withdrawn_or_tightened_entry_leaves_the_catalog(agency):
    agency.publish("leaving")
    agency.publish("tightened")
    agency.ok("govcatalog_workflow_withdraw", "admin", id="leaving", reason="ข้อมูลไม่ถูกต้อง")
    agency.ok("package_patch", "editor", id="tightened", **TOP_SECRET)
    assert names(catalog(agency)) == set()


@pytest.mark.parametrize(("unit", "interval", "code"), [
    ("ปี", "1", "ANNUAL"), ("ปี", "2", "BIENNIAL"), ("เดือน", "", "MONTHLY"), ("ไตรมาส", None, "QUARTERLY"),
    ("ตามเวลาจริง", "1", "CONT"), ("ไม่ทราบ", None, "UNKNOWN"), ("วัน", "4", "IRREG")])
def test_update_frequency_codes(unit, interval, code):
    assert dcat.frequency_code(unit, interval) == code


def test_profile_reads_back_what_it_wrote(agency):
    published = agency.publish("roundtrip", data_type="ข้อมูลภูมิสารสนเทศเชิงพื้นที่")
    graph = catalog(agency)
    profile = dcat.GovcatalogDCATProfile(graph)
    parsed = profile.parse_dataset({"extras": [], "resources": []}, dataset_ref(graph, "roundtrip"))
    assert parsed["name"] == "roundtrip"
    for field in ("data_type", "west_bound_longitude", "geographic_data_set", "data_classification", "objective"):
        assert parsed[field] == published[field], field
    assert helpers.call_action("package_show", id="roundtrip")["name"] == "roundtrip"
