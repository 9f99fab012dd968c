"""Search that follows meaning: sub-words of compounds (ranked below exact words) and the
catalog manager's synonym list applied at query time."""
from __future__ import annotations

import pytest

import ckan.plugins.toolkit as tk
from ckan.tests import factories, helpers

from ckanext.govcatalog.search import synonyms, thai


@pytest.mark.parametrize(("word", "part"), [
    ("เกษตรกร", "เกษตร"), ("หนี้สิน", "หนี้"), ("ผู้สูงอายุ", "สูงอายุ"), ("วัยสูงอายุ", "สูงอายุ"),
    ("คนพิการ", "พิการ"), ("ภัยแล้ง", "แล้ง"),
])
def test_a_compound_is_found_by_its_meaningful_part(word, part):
    assert part in thai.sub_words(word)


@pytest.mark.parametrize("word", ["ตาราง", "อำนาจ", "พัฒนา", "พยาบาล", "ประกาศ", "ครัวเรือน", "สุขภาพ", "จังหวัด"])
def test_look_alikes_are_not_split(word):
    # ตา in ตาราง, นา in อำนาจ/พัฒนา, ยา in พยาบาล, ครัว in ครัวเรือน: letters, not meaning
    assert thai.sub_words(word) == ()


def test_offices_are_not_jobs():
    assert "งาน" not in thai.sub_words("สำนักงาน")
    assert "งาน" in thai.sub_words("คนงาน")


def test_query_widens_a_person_word_to_its_core():
    assert thai.query_cores("ผู้สูงอายุ") == ("สูงอายุ",)
    assert thai.query_cores("ผู้ใช้") == ()  # ใช้ alone would match nearly everything


def test_sara_am_typed_as_nikhahit_and_sara_aa_is_the_same_word():
    assert thai.words("นํ้าฝน") == thai.words("น้ำฝน") == ["น้ำฝน"]


def test_synonym_terms_match_runs_of_query_words():
    table = synonyms.build_expansions([["โฮมสเตย์", "homestay", "home stay"]])
    units = synonyms.match(thai.words("home stay เชียงใหม่"), table)
    assert units[0][0] == ("home", "stay")
    assert ("homestay",) in units[0][1]
    assert units[1] == (("เชียงใหม่",), ())


@pytest.mark.ckan_config("ckan.plugins", "govcatalog_search govcatalog")
@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")
class TestSearch:
    @pytest.fixture(autouse=True)
    def starter_list(self, with_plugins, clean_db, clean_index):
        """The starter list as the migration loads it (CKAN's test reset may leave the table empty)."""
        sysadmin = factories.Sysadmin()
        if not helpers.call_action("govcatalog_synonym_list", {"user": sysadmin["name"]}):
            for terms in synonyms.STARTER_GROUPS:
                helpers.call_action("govcatalog_synonym_create", {"user": sysadmin["name"]}, terms=list(terms))
        synonyms.invalidate()
        yield
        synonyms.invalidate()

    @pytest.fixture
    def catalog(self):
        org = factories.Organization()
        extras = [{"key": "data_classification", "value": "เปิดเผย"}]
        names = {}
        for name, title in [
            ("sugarcane", "เกษตรกรที่ลงทะเบียนเพาะปลูกอ้อย"),
            ("agriculture", "สถิติการเกษตร"),
            ("debt", "จำนวนครัวเรือนที่มีหนี้สิน"),
            ("dependency", "อัตราส่วนพึ่งพิงวัยสูงอายุ"),
            ("elderly", "จำนวนผู้สูงอายุรายจังหวัด"),
            ("poor", "สัดส่วนคนจน"),
            ("homestay", "Home stay ที่ได้รับการรับรองมาตรฐาน"),
            ("timetable", "ตารางเดินรถ"),
            ("powers", "หน้าที่และอำนาจของส่วนราชการ"),
            ("notice", "ประกาศจัดซื้อจัดจ้าง"),
            ("nurses", "จำนวนพยาบาลวิชาชีพ"),
        ]:
            names[name] = factories.Dataset(name=name, title=title, owner_org=org["id"], extras=extras)["name"]
        return names

    @staticmethod
    def names(q: str) -> list[str]:
        return [d["name"] for d in helpers.call_action("package_search", q=q)["results"]]

    def test_parts_find_compounds_and_exact_words_rank_first(self, catalog):
        assert self.names("เกษตร") == ["agriculture", "sugarcane"]  # การเกษตร is segmented เกษตร-exact
        assert self.names("หนี้") == ["debt"]
        assert set(self.names("สูงอายุ")) == {"dependency", "elderly"}
        assert set(self.names("ผู้สูงอายุ")) == {"dependency", "elderly"}
        assert self.names("ผู้สูงอายุ")[0] == "elderly"  # the exact word first

    @pytest.mark.parametrize("q", ["ตา", "นา", "ยา", "ประกัน"])
    def test_traps(self, catalog, q):
        assert self.names(q) == []

    def test_starter_synonyms(self, catalog):
        assert self.names("ยากจน") == ["poor"]
        assert self.names("homestays") == ["homestay"]
        assert self.names("โฮมสเตย์") == ["homestay"]

    def test_the_catalog_manager_edits_the_list(self, catalog):
        sysadmin = factories.Sysadmin()
        context = {"user": sysadmin["name"]}
        assert self.names("ชาวไร่อ้อย") == []
        group = helpers.call_action("govcatalog_synonym_create", context, terms="ชาวไร่อ้อย\nเกษตรกร")
        assert self.names("ชาวไร่อ้อย") == ["sugarcane"]
        listed = helpers.call_action("govcatalog_synonym_list", context)
        assert {"id": group["id"], "terms": ["ชาวไร่อ้อย", "เกษตรกร"]}.items() <= next(
            g for g in listed if g["id"] == group["id"]).items()
        helpers.call_action("govcatalog_synonym_update", context, id=group["id"], terms=["ชาวไร่อ้อย", "พยาบาล"])
        assert self.names("ชาวไร่อ้อย") == ["nurses"]
        helpers.call_action("govcatalog_synonym_delete", context, id=group["id"])
        assert self.names("ชาวไร่อ้อย") == []

    @pytest.mark.parametrize("terms", [["เดียว"], "", ["a" * 101, "b"], [1, 2], ["ข้อมูล", "the of"]])
    def test_bad_groups_are_validation_errors(self, terms):
        sysadmin = factories.Sysadmin()
        with pytest.raises(tk.ValidationError):
            helpers.call_action("govcatalog_synonym_create", {"user": sysadmin["name"]}, terms=terms)

    @pytest.mark.parametrize("action", ["govcatalog_synonym_list", "govcatalog_synonym_create",
                                        "govcatalog_synonym_update", "govcatalog_synonym_delete"])
    def test_only_the_catalog_manager(self, action):
        user = factories.User()
        with pytest.raises(tk.NotAuthorized):
            helpers.call_action(action, {"user": user["name"], "ignore_auth": False}, terms=["ก", "ข"], id="x")

    def test_the_page(self, app):
        sysadmin = factories.SysadminWithToken()
        user = factories.UserWithToken()
        page = app.get("/ckan-admin/synonyms", headers={"Authorization": sysadmin["token"]})
        assert page.status_code == 200 and "โฮมสเตย์" in page.body
        added = app.post("/ckan-admin/synonyms", headers={"Authorization": sysadmin["token"]},
                         data={"terms": "ชาวไร่อ้อย, เกษตรกร"}, follow_redirects=True)
        assert added.status_code == 200 and "ชาวไร่อ้อย" in added.body
        refused = app.post("/ckan-admin/synonyms", headers={"Authorization": sysadmin["token"]},
                           data={"terms": "เดียว"}, follow_redirects=True)
        assert refused.status_code == 200 and "at least two terms" in refused.body
        assert app.get("/ckan-admin/synonyms", headers={"Authorization": user["token"]}).status_code == 403
