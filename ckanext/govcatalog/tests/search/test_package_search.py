"""The package_search contract on the PostgreSQL backend, modelled on CKAN core's own search tests."""
from __future__ import annotations

import datetime

import pytest
import sqlalchemy as sa

import ckan.lib.search as search
import ckan.plugins.toolkit as tk
from ckan import model
from ckan.tests import factories, helpers

# The search contract, without the metadata schema (its required fields are tested elsewhere).
pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", "govcatalog_search govcatalog activity"),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index"),
]


def act(action: str, **data):
    """Call an action as the site user (activities need a real user)."""
    site_user = helpers.call_action("get_site_user")["name"]
    return helpers.call_action(action, context={"user": site_user}, **data)


def search_names(**params) -> list[str]:
    return [r["name"] for r in helpers.call_action("package_search", **params)["results"]]


def extras(**values: str) -> list[dict[str, str]]:
    """Extras of an open (เปิดเผย) dataset, plus the given ones."""
    values.setdefault("data_classification", "เปิดเผย")
    return [{"key": k, "value": v} for k, v in values.items()]


@pytest.fixture
def catalog():
    """A small catalog: two organizations, a group, Thai and English datasets."""
    stats = factories.Organization(name="stats-office", title="สำนักงานสถิติ")
    land = factories.Organization(name="land-office", title="สำนักงานที่ดิน")
    economy = factories.Group(name="economy")
    datasets = {
        "population": factories.Dataset(
            name="population", title="จำนวนประชากรรายจังหวัด", notes="ข้อมูลประชากรจากการทะเบียนราษฎร",
            owner_org=stats["id"], tags=[{"name": "ประชากร"}, {"name": "census"}], license_id="cc-by",
            resources=[{"url": "http://127.0.0.1/p.csv", "format": "CSV"}],
            extras=extras(data_category="ข้อมูลสาธารณะ", data_type="ข้อมูลสถิติ"),
            groups=[{"name": economy["name"]}],
        ),
        "registry": factories.Dataset(
            name="registry", title="การทะเบียนราษฎร", notes="จำนวนการแจ้งเกิดและแจ้งตาย",
            owner_org=stats["id"], tags=[{"name": "ทะเบียน"}], license_id="cc-by",
            resources=[{"url": "http://127.0.0.1/r.xlsx", "format": "XLSX"}],
            extras=extras(data_category="ข้อมูลส่วนบุคคล", data_type="ข้อมูลระเบียน", data_classification="ลับ"),
        ),
        "tables": factories.Dataset(
            name="tables", title="ตารางสถิติการท่องเที่ยว", notes="ตารางสรุปจำนวนนักท่องเที่ยว",
            owner_org=stats["id"], tags=[{"name": "ท่องเที่ยว"}], license_id="odc-by",
            resources=[{"url": "http://127.0.0.1/t.json", "format": "JSON"}],
            extras=extras(data_category="ข้อมูลสาธารณะ", data_type="ข้อมูลสถิติ"),
        ),
        "eyes": factories.Dataset(
            name="eyes", title="ผู้ป่วยโรคตาต้อกระจก", notes="สุขภาพตาของผู้สูงอายุ",
            owner_org=land["id"], tags=[{"name": "สุขภาพ"}], license_id="cc-by",
            resources=[{"url": "http://127.0.0.1/e.csv", "format": "CSV"}],
            extras=extras(data_category="ข้อมูลสาธารณะ", data_type="ข้อมูลระเบียน"),
        ),
        "schools": factories.Dataset(
            name="schools", title="Schools in Bangkok", notes="List of primary schools and their registrations",
            owner_org=land["id"], tags=[{"name": "education"}], license_id="odc-by",
            resources=[{"url": "http://127.0.0.1/s.zip", "format": "SHP"}],
            extras=extras(data_category="ข้อมูลสาธารณะ", data_type="ข้อมูลภูมิสารสนเทศเชิงพื้นที่"),
        ),
    }
    return {"orgs": {"stats": stats, "land": land}, "group": economy, "datasets": datasets}


class TestFreeText:
    def test_thai_word_inside_a_compound_title(self, catalog):
        assert search_names(q="ประชากร") == ["population"]

    def test_part_of_a_dictionary_compound_is_found(self, catalog):
        assert set(search_names(q="ทะเบียน")) == {"population", "registry"}

    def test_short_syllable_does_not_match_inside_other_words(self, catalog):
        assert search_names(q="ตา") == ["eyes"]

    def test_english_is_stemmed(self, catalog):
        assert search_names(q="school") == ["schools"]
        assert search_names(q="registration") == ["schools"]

    def test_all_words_must_match(self, catalog):
        assert search_names(q="ประชากร จังหวัด") == ["population"]
        assert search_names(q="ประชากร Bangkok") == []

    def test_quoted_phrase_needs_the_words_in_order(self, catalog):
        assert search_names(q='"จำนวนประชากร"') == ["population"]
        assert search_names(q='"primary schools"') == ["schools"]
        assert search_names(q='"schools primary"') == []

    def test_title_ranks_before_notes(self, catalog):
        # "ประชากร" is in population's title and notes; "ทะเบียน" is in registry's title only
        # and population's notes only: the title match comes first.
        assert search_names(q="ทะเบียน")[0] == "registry"

    def test_title_match_outranks_a_newer_notes_match(self, catalog):
        org = catalog["orgs"]["stats"]["id"]
        factories.Dataset(name="old-title", title="ข้อมูลอุทกภัยรายปี", notes="สรุปรายปี", owner_org=org,
                          extras=extras())
        factories.Dataset(name="new-notes", title="รายงานประจำปี", notes="มีข้อมูลอุทกภัยบางส่วน", owner_org=org,
                          extras=extras())
        # default sort: score, then newest first; without weights the newer one would lead
        assert search_names(q="อุทกภัย") == ["old-title", "new-notes"]

    def test_a_compound_query_finds_its_parts_spelled_apart(self, catalog):
        factories.Dataset(name="split-spelling", title="ข้อมูลทะเบียนราษฎร ระดับตำบล",
                          owner_org=catalog["orgs"]["stats"]["id"], extras=extras())
        assert "split-spelling" in search_names(q="การทะเบียนราษฎร")

    def test_three_words_need_two_of_them(self, catalog):
        # dismax mm "2<-1": with three words, one may be missing
        assert search_names(q="ประชากร จังหวัด ดาวอังคาร") == ["population"]
        assert search_names(q="ประชากร ดาวพุธ ดาวอังคาร") == []

    def test_empty_query_returns_everything(self, catalog):
        result = helpers.call_action("package_search", q="")
        assert result["count"] == 5


class TestFilterQueries:
    @pytest.mark.parametrize(
        ("fq", "expected"),
        [
            ('tags:"ประชากร"', {"population"}),
            ("tags:census", {"population"}),
            ("res_format:CSV", {"population", "eyes"}),
            ('res_format:"XLSX"', {"registry"}),
            ("organization:land-office", {"eyes", "schools"}),
            ("groups:economy", {"population"}),
            ("license_id:odc-by", {"tables", "schools"}),
            ("capacity:public", {"population", "registry", "tables", "eyes", "schools"}),
            ("dataset_type:dataset", {"population", "registry", "tables", "eyes", "schools"}),
            ("site_id:govcatalog-test", {"population", "registry", "tables", "eyes", "schools"}),
            ('extras_data_category:"ข้อมูลส่วนบุคคล"', {"registry"}),
            ('data_type:"ข้อมูลภูมิสารสนเทศเชิงพื้นที่"', {"schools"}),
            ("+organization:stats-office -res_format:CSV", {"registry", "tables"}),
            ("organization:stats-office AND NOT tags:ทะเบียน", {"population", "tables"}),
            ("res_format:JSON OR res_format:SHP", {"tables", "schools"}),
            ("(res_format:JSON OR res_format:SHP) AND organization:land-office", {"schools"}),
            ("res_format:(JSON OR XLSX)", {"tables", "registry"}),
            ("name:schoo*", {"schools"}),
            ("title:ประชากร", {"population"}),
            ("notes:นักท่องเที่ยว", {"tables"}),
            ("-tags:*", set()),
            ("num_resources:[1 TO *]", {"population", "registry", "tables", "eyes", "schools"}),
            ("num_resources:[2 TO *]", set()),
            ("metadata_modified:[NOW-1DAY TO NOW+1DAY]", {"population", "registry", "tables", "eyes", "schools"}),
            ("metadata_created:[* TO NOW-1YEAR]", set()),
            ("*:*", {"population", "registry", "tables", "eyes", "schools"}),
        ],
    )
    def test_fq_forms(self, catalog, fq, expected):
        assert set(search_names(fq=fq, rows=100)) == expected

    def test_fielded_q_uses_the_standard_parser(self, catalog):
        assert set(search_names(q="tags:census OR tags:education")) == {"population", "schools"}

    def test_fq_list(self, catalog):
        assert search_names(fq_list=["organization:stats-office", "res_format:XLSX"]) == ["registry"]

    def test_metadata_modified_and_id_ranges_to_the_microsecond_and_byte(self, catalog):
        """Ranges on the fields kept as columns (the DCAT cursor's keyset) answer as the values do."""
        found = helpers.call_action("package_search", rows=100)["results"]
        one = found[0]
        at = one["metadata_modified"] + "Z"
        assert search_names(fq=f'metadata_modified:["{at}" TO "{at}"]') == [one["name"]]
        earlier = {r["name"] for r in found if r["metadata_modified"] < one["metadata_modified"]}
        assert set(search_names(fq=f'metadata_modified:[* TO "{at}"}}', rows=100)) == earlier
        after = {r["name"] for r in found if r["id"].encode() > one["id"].encode()}
        assert set(search_names(fq=f'id:{{"{one["id"]}" TO *]', rows=100)) == after
        assert len(search_names(fq="metadata_modified:[* TO *]", rows=100)) == len(found)

    def test_date_range_with_explicit_timestamps(self, catalog):
        today = datetime.date.today()
        fq = f"metadata_created:[{today - datetime.timedelta(days=1)}T00:00:00Z TO *]"
        assert len(search_names(fq=fq)) == 5


class TestFacets:
    def test_facet_counts(self, catalog):
        result = helpers.call_action(
            "package_search", **{"facet.field": ["organization", "res_format", "tags", "groups"]}
        )
        facets = result["facets"]
        assert facets["organization"] == {"stats-office": 3, "land-office": 2}
        assert facets["res_format"] == {"CSV": 2, "XLSX": 1, "JSON": 1, "SHP": 1}
        assert facets["groups"] == {"economy": 1}
        items = {i["name"]: i for i in result["search_facets"]["organization"]["items"]}
        assert items["stats-office"]["display_name"] == "สำนักงานสถิติ"

    def test_facets_follow_the_query(self, catalog):
        result = helpers.call_action("package_search", q="ตา", **{"facet.field": ["organization"]})
        assert result["facets"]["organization"] == {"land-office": 1}

    def test_facet_limit_and_mincount(self, catalog):
        result = helpers.call_action(
            "package_search", **{"facet.field": ["res_format"], "facet.limit": 1, "facet.mincount": 1}
        )
        assert result["facets"]["res_format"] == {"CSV": 2}
        result = helpers.call_action(
            "package_search", **{"facet.field": ["res_format"], "facet.mincount": 2}
        )
        assert result["facets"]["res_format"] == {"CSV": 2}

    def test_extras_facet(self, catalog):
        result = helpers.call_action("package_search", **{"facet.field": ["data_category"]})
        assert result["facets"]["data_category"] == {"ข้อมูลสาธารณะ": 4, "ข้อมูลส่วนบุคคล": 1}

    def test_field_outside_the_facet_column_facets_from_terms(self, catalog):
        from ckanext.govcatalog.search.backend import FACET_COLUMN_FIELDS

        assert "name" not in FACET_COLUMN_FIELDS
        result = helpers.call_action("package_search", **{"facet.field": ["name", "res_format"]})
        assert result["facets"]["name"] == dict.fromkeys(["eyes", "population", "registry", "schools", "tables"], 1)
        assert result["facets"]["res_format"] == {"CSV": 2, "XLSX": 1, "JSON": 1, "SHP": 1}

    def test_facet_column_holds_the_terms_of_the_facet_fields(self, catalog, migrate_db_for):
        """The indexer and the migration that filled the column for existing rows agree."""
        from ckanext.govcatalog.search.backend import FACET_COLUMN_FIELDS

        def stored() -> dict[str, tuple[dict, dict]]:
            rows = model.Session.execute(sa.text("SELECT id, terms, facets FROM govcatalog_search_document"))
            return {row.id: (row.terms, row.facets) for row in rows}

        indexed = stored()
        assert indexed and all(
            facets == {k: v for k, v in terms.items() if k in FACET_COLUMN_FIELDS} and "tags" in facets
            for terms, facets in indexed.values()
        )
        model.Session.commit()
        migrate_db_for("govcatalog_search", "0005_synonyms", forward=False)
        migrate_db_for("govcatalog_search")
        assert stored() == indexed


class TestSortPagingFields:
    def test_sort_by_name(self, catalog):
        assert search_names(sort="name asc") == ["eyes", "population", "registry", "schools", "tables"]
        assert search_names(sort="name desc")[0] == "tables"

    def test_sort_by_title_string(self, catalog):
        names = search_names(sort="title_string asc")
        assert names[0] == "schools"  # Latin letters sort before Thai

    def test_sort_by_metadata_modified(self, catalog):
        act("package_patch", id="registry", notes="แก้ไขล่าสุด")
        assert search_names(sort="metadata_modified desc")[0] == "registry"

    def test_paging(self, catalog):
        all_names = search_names(sort="name asc", rows=100)
        assert search_names(sort="name asc", rows=2, start=0) == all_names[:2]
        assert search_names(sort="name asc", rows=2, start=2) == all_names[2:4]
        result = helpers.call_action("package_search", sort="name asc", rows=2, start=4)
        assert result["count"] == 5 and len(result["results"]) == 1

    def test_field_list(self, catalog):
        results = helpers.call_action("package_search", fl="id,name", sort="name asc", rows=1)["results"]
        assert results == [{"id": catalog["datasets"]["eyes"]["id"], "name": "eyes"}]

    def test_results_are_the_full_validated_dataset(self, catalog):
        result = helpers.call_action("package_search", q="ประชากร")["results"][0]
        assert result["id"] == catalog["datasets"]["population"]["id"]
        assert result["organization"]["name"] == "stats-office"
        assert result["resources"][0]["format"] == "CSV"

    def test_extras_filter_by_range_and_sort(self, catalog):
        for name, remark, rank in (("population", "beta", "7"), ("tables", "alpha", "56"), ("eyes", "gamma", "120")):
            act("package_patch", id=name, extras=extras(remark=remark, rank=rank))
        assert sorted(search_names(fq="extras_remark:[a TO c]")) == ["population", "tables"]
        assert search_names(fq="extras_remark:[b TO *]", sort="extras_remark desc") == ["eyes", "population"]
        assert search_names(sort="extras_remark asc")[:3] == ["tables", "population", "eyes"]
        assert search_names(fq="extras_rank:[9 TO 100]") == ["tables"]  # as numbers (as text: none)

    @pytest.mark.parametrize("param", [{"sort": "notes asc"}, {"sort": "title desc"}, {"fq": "notes:[a TO z]"}])
    def test_long_text_fields_are_neither_sorted_nor_ranged(self, catalog, app, param):
        response = app.get("/api/3/action/package_search", query_string=param)
        assert response.status_code in (400, 409), response.body
        assert ("notes" if "notes" in str(param) else "title") in response.body

    def test_invalid_sort_is_a_query_error(self, catalog, app):
        response = app.get("/api/3/action/package_search", query_string={"sort": "name sideways"})
        assert response.status_code == 400
        assert response.json["error"]["__type"] == "Search Query Error"


class TestQueryErrors:
    @pytest.mark.parametrize(
        "q", ["title:(ประชากร", 'title:"open', "tags:a AND", "metadata_modified:[NOW TO",
              "metadata_created:[soon TO *]"]
    )
    def test_unparsable_query_is_a_clear_409(self, catalog, app, q):
        response = app.get("/api/3/action/package_search", query_string={"q": q})
        assert response.status_code == 409
        assert response.json["error"]["__type"] == "Search Error"
        assert "Invalid search query" in response.json["error"]["message"]

    @pytest.mark.parametrize(("q", "count"), [("C++?", 0), ("what^2", 0), ("ประชากร AND", 1), ("school?", 1)])
    def test_search_box_text_with_solr_characters_is_searched_as_words(self, catalog, app, q, count):
        response = app.get("/api/3/action/package_search", query_string={"q": q})
        assert response.status_code == 200
        assert response.json["result"]["count"] == count

    def test_unparsable_query_on_the_search_page_is_not_a_500(self, catalog, app):
        response = app.get("/dataset/", query_string={"q": "title:(ประชากร"})
        assert response.status_code == 200
        assert "search" in response.body.lower()

    def test_bad_date_in_range(self, catalog, app):
        response = app.get("/api/3/action/package_search", query_string={"fq": "metadata_modified:[soon TO *]"})
        assert response.status_code == 409


class TestVisibility:
    @pytest.fixture
    def private_setup(self):
        org = factories.Organization()
        member = factories.UserWithToken()
        outsider = factories.UserWithToken()
        helpers.call_action("organization_member_create", id=org["id"], username=member["name"], role="member")
        factories.Dataset(name="open-one", owner_org=org["id"])
        factories.Dataset(name="secret-one", owner_org=org["id"], private=True)
        return {"org": org, "member": member, "outsider": outsider}

    @staticmethod
    def api_names(app, token=None, **params):
        headers = {"Authorization": token} if token else {}
        response = app.get("/api/3/action/package_search", query_string=params, headers=headers)
        return {r["name"] for r in response.json["result"]["results"]}

    def test_anonymous_sees_only_public(self, app, private_setup):
        assert self.api_names(app, include_private=True) == {"open-one"}

    def test_outsider_does_not_see_private(self, app, private_setup):
        assert self.api_names(app, private_setup["outsider"]["token"], include_private=True) == {"open-one"}

    def test_member_sees_private_only_when_asked(self, app, private_setup):
        token = private_setup["member"]["token"]
        assert self.api_names(app, token, include_private=True) == {"open-one", "secret-one"}
        assert self.api_names(app, token) == {"open-one"}

    def test_drafts_only_for_their_creator(self, app):
        org = factories.Organization()
        creator = factories.UserWithToken()
        other = factories.UserWithToken()
        outsider = factories.UserWithToken()
        for user in (creator, other):
            helpers.call_action("organization_member_create", id=org["id"], username=user["name"], role="editor")
        helpers.call_action(
            "package_create", context={"user": creator["name"]}, name="draft-one", owner_org=org["id"], state="draft"
        )
        # CKAN's rule: a draft is seen by its organization's members when they ask for drafts.
        assert self.api_names(app, creator["token"], include_drafts=True) == {"draft-one"}
        assert self.api_names(app, creator["token"]) == set()
        assert self.api_names(app, other["token"], include_drafts=True) == {"draft-one"}
        assert self.api_names(app, outsider["token"], include_drafts=True) == set()
        assert self.api_names(app, include_drafts=True) == set()

    def test_sysadmin_sees_everything(self, app, private_setup):
        sysadmin = factories.SysadminWithToken()
        assert self.api_names(app, sysadmin["token"], include_private=True) == {"open-one", "secret-one"}


class TestIndexStaysRight:
    def test_update_is_searchable_at_once(self, catalog):
        act("package_patch", id="tables", title="ตารางเดินรถไฟ")
        assert search_names(q="รถไฟ") == ["tables"]
        assert search_names(q="ท่องเที่ยว", fq="title:ท่องเที่ยว") == []

    def test_deleted_dataset_leaves_search(self, catalog):
        act("package_delete", id="tables")
        assert "tables" not in search_names(rows=100)
        # ckan.search.remove_deleted_packages (on by default) takes it out of the index altogether
        assert "tables" not in search_names(rows=100, include_deleted=True, fq="+state:deleted")

    def test_purged_dataset_leaves_the_index(self, catalog):
        dataset_id = catalog["datasets"]["tables"]["id"]
        act("dataset_purge", id=dataset_id)
        count = model.Session.execute(
            sa.text("SELECT count(*) FROM govcatalog_search_document WHERE id = :id"), {"id": dataset_id}
        ).scalar()
        assert count == 0

    def test_organization_rename_reaches_its_datasets(self, catalog):
        act("organization_patch", id="land-office", name="geo-office")
        assert set(search_names(fq="organization:geo-office")) == {"eyes", "schools"}
        assert search_names(fq="organization:land-office") == []

    def test_group_rename_reaches_its_datasets(self, catalog):
        act("group_patch", id="economy", name="economics")
        assert search_names(fq="groups:economics") == ["population"]

    def test_group_membership_changes_are_indexed(self, catalog):
        act("member_create", id="economy", object="schools", object_type="package", capacity="public")
        assert set(search_names(fq="groups:economy")) == {"population", "schools"}
        act("member_delete", id="economy", object="schools", object_type="package")
        assert search_names(fq="groups:economy") == ["population"]

    def test_making_private_takes_effect_for_anonymous(self, catalog, app):
        act("package_patch", id="eyes", private=True)
        response = app.get("/api/3/action/package_search", query_string={"q": "ตา"})
        assert response.json["result"]["count"] == 0

    def test_failed_update_leaves_the_index_untouched(self, catalog):
        with pytest.raises(tk.ValidationError):
            act("package_patch", id="tables", name="bad name with spaces")
        assert search_names(q="ท่องเที่ยว") == ["tables"]


class TestSearchIndexCommands:
    def test_clear_and_rebuild(self, catalog):
        search.clear_all()
        assert helpers.call_action("package_search")["count"] == 0
        search.rebuild()
        assert helpers.call_action("package_search")["count"] == 5

    def test_rebuild_only_missing(self, catalog):
        search.clear(catalog["datasets"]["eyes"]["id"])
        assert "eyes" not in search_names(rows=100)
        search.rebuild(only_missing=True)
        assert "eyes" in search_names(rows=100)

    def test_show(self, catalog):
        document = search.show("population")
        assert document["name"] == "population"
        assert document["organization"] == "stats-office"
        assert "validated_data_dict" in document

    def test_cli_clear_one_dataset(self, catalog, cli):
        from ckan.cli.cli import ckan

        result = cli.invoke(ckan, ["search-index", "clear", "eyes"])
        assert result.exit_code == 0, result.output
        model.Session.remove()
        assert "eyes" not in search_names(rows=100)

    def test_cli_rebuild(self, catalog, cli, ckan_config):
        from ckan.cli.cli import ckan

        search.clear_all()
        result = cli.invoke(ckan, ["search-index", "rebuild"])
        assert result.exit_code == 0, result.output
        assert helpers.call_action("package_search")["count"] == 5


class TestPagesAndCounts:
    def test_organization_counts(self, catalog):
        assert helpers.call_action("organization_show", id="stats-office")["package_count"] == 3
        orgs = helpers.call_action("organization_list", all_fields=True)
        assert {o["name"]: o["package_count"] for o in orgs} == {"stats-office": 3, "land-office": 2}

    def test_group_counts(self, catalog):
        assert helpers.call_action("group_show", id="economy")["package_count"] == 1

    def test_dataset_search_page_finds_thai(self, catalog, app):
        body = app.get("/dataset/", query_string={"q": "ประชากร"}).body
        assert "จำนวนประชากรรายจังหวัด" in body
        assert "ตารางสถิติการท่องเที่ยว" not in body

    def test_organization_page_lists_its_datasets(self, catalog, app):
        body = app.get("/organization/land-office").body
        assert "Schools in Bangkok" in body
        assert "จำนวนประชากรรายจังหวัด" not in body

    def test_tag_facet_link_filters(self, catalog, app):
        body = app.get("/dataset/", query_string={"tags": "census"}).body
        assert "จำนวนประชากรรายจังหวัด" in body
        assert "Schools in Bangkok" not in body

    def test_dashboard_datasets(self, app):
        user = factories.UserWithToken()
        org = factories.Organization(users=[{"name": user["name"], "capacity": "editor"}])
        factories.Dataset(user=user, owner_org=org["id"], title="ชุดข้อมูลของฉัน")
        body = app.get("/dashboard/datasets", headers={"Authorization": user["token"]}).body
        assert "ชุดข้อมูลของฉัน" in body
