"""Base plugin validators."""
from __future__ import annotations

import pytest

import ckan.plugins.toolkit as tk
from ckan.tests import factories

from ckanext.govcatalog.logic.validators import is_valid_tag_name


@pytest.mark.parametrize("tag", ["ทะเบียน", "สุขภาพ", "ฝุ่น PM2.5", "census-2566", "ข้อมูล_เปิด"])
def test_thai_and_latin_tags_are_valid(tag):
    assert is_valid_tag_name(tag)


@pytest.mark.parametrize("tag", ["a,b", "ภาษี/อากร", "x<script>", "tab\there"])
def test_punctuation_is_rejected(tag):
    assert not is_valid_tag_name(tag)


@pytest.mark.ckan_config("ckan.plugins", "govcatalog activity")
@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")
def test_dataset_with_thai_tags_is_created():
    dataset = factories.Dataset(owner_org=factories.Organization()["id"], tags=[{"name": "ทะเบียน"}, {"name": "สุขภาพ"}])
    assert {t["name"] for t in dataset["tags"]} == {"ทะเบียน", "สุขภาพ"}


@pytest.mark.ckan_config("ckan.plugins", "govcatalog activity")
@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")
def test_bad_tag_is_a_validation_error():
    with pytest.raises(tk.ValidationError) as error:
        factories.Dataset(owner_org=factories.Organization()["id"], tags=[{"name": "ภาษี/อากร"}])
    assert "tags" in error.value.error_dict


@pytest.mark.ckan_config("ckan.plugins", "govcatalog activity")
@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")
def test_tag_error_is_translated_to_thai(app):
    user = factories.UserWithToken()
    org = factories.Organization(users=[{"name": user["name"], "capacity": "editor"}])
    response = app.post(
        "/api/3/action/package_create",
        json={"name": "bad-tag", "owner_org": org["id"], "tags": [{"name": "ภาษี/อากร"}]},
        headers={"Authorization": user["token"], "Accept-Language": "th"},
        environ_overrides={"CKAN_LANG": "th"},
    )
    assert response.status_code == 409
    assert "คำสำคัญ" in str(response.json["error"]["tags"])
