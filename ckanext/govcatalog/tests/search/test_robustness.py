"""What the search backend does with hostile or unusual input: never a 500, never the caller's work lost."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from ckan import model
from ckan.lib.search.common import SearchError, SearchQueryError
from ckan.tests import factories, helpers

from ckanext.govcatalog.search import backend
from ckanext.govcatalog.search import params as solr_params
from ckanext.govcatalog.search import sql, thai
from ckanext.govcatalog.search.backend import MAX_TSVECTOR_BYTES, PostgresSolrConnection, weighted_tsvector

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", "govcatalog_search govcatalog activity"),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index"),
]

LONG_LATIN = "x" * 3000  # 3,000 bytes: over PostgreSQL's 2,047-byte lexeme limit
LONG_THAI = "ประชากร" * 150  # 1,050 characters, 3,150 bytes in UTF-8


@pytest.fixture
def org():
    return factories.Organization(name="stats-office")


@pytest.fixture
def sysadmin():
    return factories.SysadminWithToken()


def search(app, method: str = "get", **params):
    if method == "post":
        return app.post("/api/3/action/package_search", json=params)
    return app.get("/api/3/action/package_search", query_string=params)


def assert_refused(response, *words: str) -> None:
    """A clear 400/409 that names what was wrong."""
    assert response.status_code in (400, 409), response.body
    assert response.json["success"] is False
    message = json.dumps(response.json["error"], ensure_ascii=False)
    for word in words:
        assert word in message, message


# --- 1. over-long words are indexed, never a 500 -----------------------------------------------

class TestLongWords:
    @pytest.mark.parametrize(
        "fields",
        [
            {"title": f"ชุดข้อมูล {LONG_LATIN}"},
            {"notes": f"before {LONG_LATIN} after"},
            {"notes": LONG_THAI},
            {"tags": [{"name": "t" * 100}], "notes": "é" * 2000},  # 4,000 bytes of two-byte letters
            {"extras": [{"key": "remark", "value": LONG_LATIN}]},
            {"resources": [{"url": "http://127.0.0.1/r.csv", "name": LONG_LATIN, "description": LONG_THAI}]},
        ],
    )
    def test_create_with_a_long_word_succeeds_and_is_found(self, app, org, sysadmin, fields):
        payload = {"name": "long-words", "title": "ชุดข้อมูล", "owner_org": org["id"]} | fields
        response = app.post("/api/3/action/package_create", json=payload,
                            headers={"Authorization": sysadmin["token"]})
        assert response.status_code == 200, response.body
        assert search(app, q="ชุดข้อมูล").json["result"]["count"] == 1

    def test_the_long_word_itself_is_searchable(self, org):
        factories.Dataset(name="long-words", owner_org=org["id"], notes=f"a {LONG_LATIN} b")
        assert helpers.call_action("package_search", q=LONG_LATIN)["count"] == 1
        assert helpers.call_action("package_search", q=f"notes:{LONG_LATIN}")["count"] == 1

    def test_words_are_cut_on_a_character_boundary(self):
        cut = thai.fit_word("ก" * 1000)
        assert len(cut.encode("utf-8")) <= thai.MAX_WORD_BYTES
        assert cut == "ก" * (thai.MAX_WORD_BYTES // 3)

    def test_a_megabyte_of_distinct_words_still_makes_a_tsvector(self):
        lexemes = [f"w{i:07d}" for i in range(200_000)]  # 1.6 MB of distinct lexemes
        text = weighted_tsvector({"D": lexemes})
        assert sum(len(item.split(":")[0]) - 2 for item in text.split()) <= MAX_TSVECTOR_BYTES
        assert model.Session.execute(sa.text("SELECT length(CAST(:t AS tsvector))"), {"t": text}).scalar() > 0

    def test_a_huge_description_is_indexed(self, org):
        notes = " ".join(f"word{i}" for i in range(150_000))
        factories.Dataset(name="huge", owner_org=org["id"], notes=notes)
        assert helpers.call_action("package_search", q="word7")["count"] == 1


# --- 2. bad values: a clear 400/409, and the caller's transaction survives ---------------------

class TestBadValues:
    @pytest.mark.parametrize(
        ("params", "named"),
        [
            ({"start": "99999999999999999999"}, "start"),
            ({"facet.field": '["tags"]', "facet.limit": "99999999999999999999"}, "facet.limit"),
            ({"q": "a" * 200_000}, "q"),
            ({"q": "ประชากร" * 15_000}, "q"),  # 105,000 Thai characters
            ({"q": "ก" * 100_000}, "q"),
            ({"q": "x y z", "defType": "dismax", "mm": "abc"}, "mm"),
            ({"q": "x y z", "defType": "edismax", "mm": "most"}, "mm"),
            ({"q": "x", "defType": "func"}, "defType"),
            ({"q": "x", "q.op": "XOR"}, "q.op"),
            ({"fq": "a" * 60_000}, "fq"),
        ],
    )
    def test_refused_with_the_parameter_named(self, app, params, named):
        assert_refused(search(app, **params), named)

    def test_too_many_or_terms(self, app):
        q = " OR ".join(f"w{i}" for i in range(5000))
        assert_refused(search(app, method="post", q=q), "more than 2,000 terms")
        assert_refused(search(app, method="post", fq=f"tags:({q})"), "more than 2,000 terms")

    def test_too_many_free_text_words(self, app):
        q = " ".join(f"w{i}" for i in range(5000))
        assert_refused(search(app, method="post", q=q), "more than 2,000 terms")

    def test_the_limits_themselves_are_allowed(self, app, org):
        factories.Dataset(name="w0", title="w1", owner_org=org["id"])
        words = " ".join(f"w{i}" for i in range(sql.MAX_TERMS))
        for q in (words, words.replace(" ", " OR ")):
            response = search(app, method="post", q=q, mm="1")
            assert response.status_code == 200, response.body
            assert response.json["result"]["count"] == 1
        fields = [f"extras_f{i}" for i in range(solr_params.MAX_FACET_FIELDS)]
        assert search(app, method="post", **{"facet.field": fields}).status_code == 200

    def test_too_many_facet_fields(self, app):
        fields = [f"f{i}" for i in range(2000)]
        assert_refused(search(app, method="post", **{"facet.field": fields}), "facet.field", "limit is 100")

    @pytest.mark.parametrize("fq_list", [[{"a": 1}], ["tags:x", {"b": "c"}], [["tags:x"]]])
    def test_non_string_filter(self, app, fq_list):
        assert_refused(search(app, method="post", fq_list=fq_list), "fq")

    @pytest.mark.parametrize("params", [{"q": "a\x00b"}, {"fq": "tags:\x00"}, {"facet.field": ["ta\x00gs"]}])
    def test_nul_characters(self, app, params):
        assert_refused(search(app, method="post", **params), "NUL")

    @pytest.fixture
    def refused_by_postgres(self, org, monkeypatch):
        """Any value PostgreSQL refuses at run time (here an impossible cast in the ORDER BY)."""
        factories.Dataset(name="one", owner_org=org["id"])
        impossible = backend.SortOrder(keys=["CAST(d.name AS int)"], directions=["ASC"], uses_score=False)
        monkeypatch.setattr(backend, "sort_order", lambda sort: impossible)

    def test_a_value_postgresql_refuses_is_a_409(self, app, refused_by_postgres):
        response = search(app, q="*:*")
        assert_refused(response, "Invalid search query", "invalid input syntax")
        assert response.status_code == 409

    def test_a_refused_search_keeps_the_callers_uncommitted_work(self, refused_by_postgres, monkeypatch):
        """An action that writes and then searches keeps its writes when the search fails."""
        model.Session.add(model.Group(name="pending-group", title="รอบันทึก", type="group"))
        model.Session.flush()
        with pytest.raises(SearchError, match="Invalid search query"):
            helpers.call_action("package_search")
        assert model.Session.query(model.Group).filter_by(name="pending-group").count() == 1
        monkeypatch.undo()
        assert helpers.call_action("package_search")["count"] == 1  # the session is still usable

    def test_rows_beyond_the_limit_at_the_connection(self):
        with pytest.raises(SearchQueryError, match="rows"):
            PostgresSolrConnection().search("*:*", rows=2**63)


# --- 3. autocomplete ---------------------------------------------------------------------------

class TestAutocomplete:
    @pytest.fixture
    def datasets(self, org):
        return [
            factories.Dataset(name="population-by-province", title="จำนวนประชากรรายจังหวัด", owner_org=org["id"]),
            factories.Dataset(name="tourism-statistics", title="สถิตินักท่องเที่ยว Tourism Figures",
                              owner_org=org["id"]),
            factories.Dataset(name="rain", title="ปริมาณน้ำฝนรายเดือน", owner_org=org["id"]),
        ]

    @staticmethod
    def names(q: str) -> list[str]:
        return [r["name"] for r in helpers.call_action("package_autocomplete", q=q)]

    @pytest.mark.parametrize(
        ("q", "expected"),
        [
            ("popu", ["population-by-province"]),  # name prefix
            ("province", ["population-by-province"]),  # middle of the name
            ("จำนวน", ["population-by-province"]),  # Thai title prefix
            ("ประชากร", ["population-by-province"]),  # Thai word in the middle of a title
            ("น้ำฝน", ["rain"]),
            ("รายเดือน", ["rain"]),  # end of a title
            ("FIGU", ["tourism-statistics"]),  # case-insensitive, middle of a title
            ("นักท่อง", ["tourism-statistics"]),  # part of a Thai word
            ("ดาวอังคาร", []),
            ("x", []),
        ],
    )
    def test_by_name_and_title(self, datasets, q, expected):
        assert self.names(q) == expected

    def test_match_field(self, datasets):
        result = helpers.call_action("package_autocomplete", q="ประชากร")[0]
        assert result["match_field"] == "title"
        assert result["match_displayed"] == "จำนวนประชากรรายจังหวัด (population-by-province)"
        assert helpers.call_action("package_autocomplete", q="rain")[0]["match_field"] == "name"

    def test_prefix_matches_come_first(self, org):
        factories.Dataset(name="b-stats", title="รายงานสถิติ", owner_org=org["id"])
        factories.Dataset(name="a-stats", title="สถิติรายปี", owner_org=org["id"])
        assert self.names("สถิติ") == ["a-stats", "b-stats"]

    def test_limit(self, org):
        for i in range(4):
            factories.Dataset(name=f"survey-{i}", owner_org=org["id"])
        assert len(helpers.call_action("package_autocomplete", q="survey", limit=2)) == 2

    def test_the_form_endpoint(self, app, datasets):
        response = app.get("/api/2/util/dataset/autocomplete", query_string={"incomplete": "ประชากร"})
        assert [r["name"] for r in response.json["ResultSet"]["Result"]] == ["population-by-province"]

    def test_private_datasets_stay_private(self, app, org):
        factories.Dataset(name="secret-survey", title="แบบสำรวจลับ", owner_org=org["id"], private=True)
        response = app.get("/api/2/util/dataset/autocomplete", query_string={"incomplete": "สำรวจ"})
        assert response.json["ResultSet"]["Result"] == []

    def test_title_changes_reach_autocomplete(self, datasets):
        site_user = helpers.call_action("get_site_user")["name"]
        helpers.call_action("package_patch", context={"user": site_user}, id="rain", title="ปริมาณฝนสะสม")
        assert self.names("สะสม") == ["rain"]
        assert self.names("น้ำฝน") == []


# --- 4. Solr parameters the backend does not honour are refused --------------------------------

class TestUnsupportedParameters:
    @pytest.mark.parametrize(
        ("params", "named"),
        [
            ({"qf": "title^10"}, "qf"),
            ({"bf": "recip(ms(NOW,metadata_modified),3.16e-11,1,1)"}, "bf"),
            ({"boost": "num_resources"}, "boost"),
            ({"tie": "0.9"}, "tie"),
            ({"wt": "xml"}, "wt"),
            ({"bq": "title:x"}, "bq"),
            ({"hl": "true"}, "hl"),
            ({"facet.query": "num_resources:[1 TO *]"}, "facet.query"),
            ({"facet.sort": "index"}, "facet.sort"),
        ],
    )
    def test_refused_through_the_api(self, app, params, named):
        assert_refused(search(app, **params), named)

    @pytest.mark.parametrize(
        "name", ["bq", "hl", "hl.fl", "facet.query", "facet.prefix", "facet.sort", "facet.offset", "group",
                 "stats", "spellcheck", "debugQuery", "json.facet", "pf", "ps", "bf", "boost", "cursorMark"],
    )
    def test_refused_by_the_connection_itself(self, name):
        with pytest.raises(SearchQueryError, match=name.replace(".", r"\.")):
            PostgresSolrConnection().search("*:*", **{name: "x"})

    def test_ckan_defaults_are_accepted(self, app, org):
        factories.Dataset(name="one", title="ประชากร", owner_org=org["id"])
        response = search(app, q="ประชากร", qf=solr_params.QUERY_FIELDS, tie="0.1", wt="json")
        assert response.json["result"]["count"] == 1

    def test_df_is_honoured(self, org):
        # package_search always sends df=text; other callers of the connection may choose
        factories.Dataset(name="one", title="ประชากร", notes="ฝน", owner_org=org["id"])
        factories.Dataset(name="two", title="ฝน", notes="ประชากร", owner_org=org["id"])
        connection = PostgresSolrConnection()
        assert [d["name"] for d in connection.search("ประชากร", df="title", fl="name").docs] == ["one"]
        assert connection.search("ประชากร", df="text").hits == 2
        with pytest.raises(SearchQueryError, match="df"):
            connection.search("x", df="title OR 1=1")
