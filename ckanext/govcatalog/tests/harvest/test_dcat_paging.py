"""The DCAT catalog paged by cursor: following hydra:next walks every entry that may be harvested
exactly once, in the catalog's order, whoever asks; ?page keeps working; a bad cursor is a 400."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from rdflib import Graph, Namespace
from rdflib.namespace import RDF

import ckan.lib.search as search
import ckan.model as model

from ckanext.govcatalog.harvest import paging
from ckanext.govcatalog.harvest.dcat import GC
from ckanext.govcatalog.tests.harvest.conftest import CONFIDENTIAL, INTERNAL, TOP_SECRET
from ckanext.govcatalog.tests.workflow.conftest import WORKFLOW_PLUGINS

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", WORKFLOW_PLUGINS + " dcat"),
    pytest.mark.ckan_config("ckanext.dcat.rdf.profiles", "euro_dcat_ap_3 govcatalog_dcat"),
    pytest.mark.ckan_config("ckanext.dcat.datasets_per_page", "2"),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index"),
]
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
ELIGIBLE = ("e1", "e2", "e3", "e4", "e5", "e6", "e7")
TIED = ("e2", "e4", "e6")  # one metadata_modified for three entries: the id decides between them


@pytest.fixture
def catalog(agency):
    for name in ELIGIBLE:
        agency.publish(name)
    agency.publish("shared", **CONFIDENTIAL)  # metadata only, but in the catalog
    agency.publish("withheld", **INTERNAL, allow_harvest="False")
    agency.publish("secret", **TOP_SECRET)
    agency.create("draft")
    ids = [model.Package.get(name).id for name in TIED]
    model.Session.execute(sa.text("UPDATE package SET metadata_modified = '2024-06-01 08:00:00.123456' "
                                  "WHERE id = ANY(:ids)"), {"ids": ids})
    model.Session.commit()
    for package_id in ids:
        search.rebuild(package_id)
    model.Session.commit()
    return agency


def expected_order() -> list[str]:
    """Newest change first, then id in byte order: what the catalog pages through."""
    rows = [(p.metadata_modified, p.id, p.name) for p in model.Session.query(model.Package)
            if p.name in (*ELIGIBLE, "shared")]
    rows.sort(key=lambda r: r[1].encode())
    rows.sort(key=lambda r: r[0], reverse=True)
    return [name for _, _, name in rows]


def get_page(agency, url: str, user: str | None = None) -> tuple[list[str], Graph]:
    parts = urlsplit(url)
    headers = {"Authorization": agency.users[user]["token"]} if user else {}
    response = agency.app.get(parts.path + (f"?{parts.query}" if parts.query else ""), headers=headers)
    assert response.status_code == 200, response.body
    graph = Graph().parse(data=response.body, format="turtle")
    return [str(o) for o in graph.objects(None, GC.name)], graph


def link(graph: Graph, predicate) -> str | None:
    for collection in graph.subjects(RDF.type, HYDRA.PagedCollection):
        value = graph.value(collection, predicate)
        if value is not None:
            return str(value)
    return None


def walk(agency, start: str, user: str | None = None) -> tuple[list[list[str]], list[str]]:
    pages: list[list[str]] = []
    urls: list[str] = []
    url: str | None = start
    while url:
        names, graph = get_page(agency, url, user)
        pages.append(names)
        url = link(graph, HYDRA.next)
        if url:
            urls.append(url)
        assert len(pages) <= 10, "the walk does not end"
    return pages, urls


def in_order(pages: list[list[str]]) -> list[str]:
    """Entries page by page (within a page the graph has no order: sorted as the catalog sorts)."""
    rank = {name: i for i, name in enumerate(expected_order())}
    return [name for page in pages for name in sorted(page, key=lambda n: rank.get(n, -1))]


@pytest.mark.parametrize("user", [None, "editor", "harvester"])
def test_following_next_walks_every_eligible_entry_once_in_order(catalog, user):
    pages, urls = walk(catalog, "/catalog.ttl", user)
    assert in_order(pages) == expected_order()  # each once, nothing restricted, in order across pages
    assert [len(p) for p in pages] == [2, 2, 2, 2]
    assert urls and all(parse_qs(urlsplit(u).query).keys() == {"cursor"} for u in urls), urls
    # every page but the first was served by cursor, and none of them by offset
    assert not any("page" in parse_qs(urlsplit(u).query) for u in urls)


def test_a_cursor_page_names_the_first_page_and_ends_without_next(catalog):
    pages, urls = walk(catalog, "/catalog.ttl")
    _, last = get_page(catalog, urls[-1])
    assert link(last, HYDRA.next) is None
    assert parse_qs(urlsplit(link(last, HYDRA.first) or "").query) == {"page": ["1"]}
    assert link(last, HYDRA.itemsPerPage) == "2"


def test_page_still_pages_by_offset_with_the_same_entries(catalog):
    by_page = [get_page(catalog, f"/catalog.ttl?page={n}")[0] for n in (1, 2, 3, 4)]
    assert in_order(by_page) == expected_order()
    assert get_page(catalog, "/catalog.ttl?page=5")[0] == []
    _, graph = get_page(catalog, "/catalog.ttl?page=2")
    assert parse_qs(urlsplit(link(graph, HYDRA.previous) or "").query) == {"page": ["1"]}
    assert parse_qs(urlsplit(link(graph, HYDRA.last) or "").query) == {"page": ["4"]}
    assert link(graph, HYDRA.totalItems) == "8"
    # from page 2, next goes on by cursor to page 3's entries
    assert get_page(catalog, link(graph, HYDRA.next) or "")[0] == by_page[2]


def test_the_cursor_keeps_the_callers_filters(catalog):
    pages, urls = walk(catalog, "/catalog.ttl?q=name:e*")
    assert sorted(n for page in pages for n in page) == list(ELIGIBLE)
    assert all(parse_qs(urlsplit(u).query)["q"] == ["name:e*"] for u in urls)


def test_the_api_takes_a_cursor(catalog):
    _, urls = walk(catalog, "/catalog.ttl")
    cursor = parse_qs(urlsplit(urls[0]).query)["cursor"][0]
    response = catalog.app.get("/api/3/action/dcat_catalog_show", query_string={"cursor": cursor, "format": "ttl"})
    assert response.status_code == 200, response.body
    names = [str(o) for o in Graph().parse(data=response.json["result"], format="turtle").objects(None, GC.name)]
    assert names and set(names) <= set(expected_order()[2:])


BAD_CURSORS = ["not-a-cursor", "!!!", "eyJ", paging.encode("yesterday", "x")[:-1],
               paging.encode("2024-13-01", "id"), paging.encode("2024-06-01T08:00:00", ""), "W10", "e30", "x" * 500]


def test_a_bad_cursor_is_a_400_on_the_catalog_and_a_validation_error_in_the_api(catalog):
    for cursor in BAD_CURSORS:
        response = catalog.app.get("/catalog.ttl", query_string={"cursor": cursor})
        assert response.status_code == 400, (cursor, response.body)
        assert "cursor" in response.body
        response = catalog.app.get("/api/3/action/dcat_catalog_show", query_string={"cursor": cursor})
        assert response.status_code == 409, (cursor, response.body)
        assert response.json["error"]["__type"] == "Validation Error" and "cursor" in response.json["error"]


def test_page_and_cursor_together_are_refused(catalog):
    response = catalog.app.get("/catalog.ttl", query_string={"cursor": paging.encode("2024-06-01T08:00:00", "a"),
                                                             "page": "2"})
    assert response.status_code == 400, response.body


def test_a_cursor_cannot_widen_the_search(catalog):
    for package_id in ['x" OR *:* OR id:"', "x} OR *:* OR id:{x", "x\\", '"']:
        names, _ = get_page(catalog, "/catalog.ttl?" + f"cursor={paging.encode('2999-01-01T00:00:00', package_id)}")
        assert len(names) == 2 and set(names) <= set(expected_order())
