"""The DCAT catalog validated with pyshacl against the DCAT-AP 3 SHACL shapes (a copy beside this
file, see dcat-ap_3_shacl_shapes.SOURCE.md), for demo datasets of all five types: open ones with
their distributions and a shared one as metadata only."""
from __future__ import annotations

from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import Graph

from ckanext.govcatalog.demo import loader
from ckanext.govcatalog.harvest.dcat import GC
from ckanext.govcatalog.tests.workflow.conftest import WORKFLOW_PLUGINS

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", WORKFLOW_PLUGINS + " dcat"),
    pytest.mark.ckan_config("ckanext.dcat.rdf.profiles", "euro_dcat_ap_3 govcatalog_dcat"),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index"),
]
SHAPES = Path(__file__).with_name("dcat-ap_3_shacl_shapes.ttl")


def demo_subset() -> list[dict]:
    """Per data type the first open demo dataset that may be harvested, and the first shared one."""
    chosen, types = [], set()
    for dataset in loader.read_json("datasets.json"):
        level, consent = dataset["data_classification"], dataset.get("allow_harvest")
        if level == "เปิดเผย" and consent == "True" and dataset["data_type"] not in types:
            types.add(dataset["data_type"])
            chosen.append(dataset)
        elif level == "ชั้นเผยแพร่ภายในองค์กร" and consent == "True" and not any(
                d["data_classification"] != "เปิดเผย" for d in chosen):
            chosen.append(dataset)
    assert len(types) == 5 and len(chosen) == 6
    return chosen


@pytest.fixture
def demo(app, monkeypatch):
    subset = demo_subset()
    read_json = loader.read_json
    monkeypatch.setattr(loader, "read_json", lambda name: subset if name == "datasets.json" else read_json(name))
    loader.load_demo()
    return subset


def test_the_catalog_conforms_to_dcat_ap_3(app, demo):
    response = app.get("/catalog.ttl")
    assert response.status_code == 200, response.body
    graph = Graph().parse(data=response.body, format="turtle")
    assert {str(o) for o in graph.objects(None, GC.name)} == {d["name"] for d in demo}
    conforms, _, text = validate(graph, shacl_graph=str(SHAPES), shacl_graph_format="turtle",
                                 inference="none", allow_warnings=True)
    assert conforms, text
