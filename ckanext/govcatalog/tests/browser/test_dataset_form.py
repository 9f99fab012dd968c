"""An editor creates one dataset of each type through the web form, in Thai; what visitors then see."""
from __future__ import annotations

import pytest

from ckan.tests import factories

from .conftest import screenshot

pytestmark = [pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")]

PASSWORD = "correct123"
TYPES = {  # data_type -> (slug, a field of its own group to fill, value)
    "ข้อมูลระเบียน": ("record-form", "data_collect", "บุคคล"),
    "ข้อมูลสถิติ": ("statistics-form", "first_year_of_data", "2560"),
    "ข้อมูลภูมิสารสนเทศเชิงพื้นที่": ("gis-form", "west_bound_longitude", "97.5"),
    "ข้อมูลหลากหลายประเภท": ("multiple-form", "data_collect", "ครัวเรือน/ครอบครัว"),
    "ข้อมูลประเภทอื่นๆ": ("other-form", "data_type_other", "ข้อมูลเสียงบันทึกการประชุม"),
}


@pytest.fixture
def people():
    editor = factories.User(password=PASSWORD)
    member = factories.User(password=PASSWORD)
    org = factories.Organization(name="stats-office", title="สำนักงานสถิติจังหวัด", users=[
        {"name": editor["name"], "capacity": "editor"}, {"name": member["name"], "capacity": "member"}])
    return {"editor": editor, "member": member, "org": org}


def log_in(page, base: str, user: dict) -> None:
    page.goto(base + "/th/user/login")
    page.fill("#field-login", user["name"])
    page.fill("#field-password", PASSWORD)
    page.click("form.form-horizontal button[type=submit], #login-form button[type=submit], button.btn-primary")
    page.wait_for_load_state("networkidle")


def select(page, name: str, value: str) -> None:
    page.select_option(f'select[name="{name}"]', value=value)


def fill_common(page, slug: str, title: str, classification: tuple[str, str]) -> None:
    page.fill("#field-title", title)
    page.evaluate(f"document.querySelector('#field-name').value = '{slug}'")
    page.fill("#field-notes", f"รายละเอียดของ{title} สำหรับการทดสอบแบบฟอร์ม")
    page.fill("#field-tag_string", "ทดสอบ,ประชากร")
    page.fill("#field-maintainer", "กลุ่มงานสถิติ")
    page.fill("#field-maintainer_email", "stat@agency.go.th")
    page.check('input[name="objective"][value="พันธกิจหน่วยงาน"]')
    select(page, "update_frequency_unit", "ปี")
    select(page, "geo_coverage", "จังหวัด")
    page.fill("#field-data_source", "ระบบทะเบียน")
    page.check('input[name="data_format"][value="CSV"]')
    select(page, "data_category", classification[0])
    select(page, "data_classification", classification[1])
    select(page, "license_id", "Open Data Common")


def test_an_editor_creates_each_type_through_the_thai_form(live_server, page, people):
    log_in(page, live_server, people["editor"])
    for index, (data_type, (slug, own_field, own_value)) in enumerate(TYPES.items()):
        page.goto(live_server + "/th/dataset/new")
        select(page, "data_type", data_type)
        # the other types' fields are hidden; this type's are shown
        assert page.locator(f'[name="{own_field}"]').first.is_visible()
        hidden = "first_year_of_data" if own_field != "first_year_of_data" else "data_collect"
        assert not page.locator(f'[name="{hidden}"]').first.is_visible()
        classification = ("ข้อมูลส่วนบุคคล", "ลับ") if index == 1 else ("ข้อมูลสาธารณะ", "เปิดเผย")
        fill_common(page, slug, f"ชุดข้อมูลทดสอบ {data_type}", classification)
        locator = page.locator(f'[name="{own_field}"]').first
        if locator.evaluate("e => e.tagName") == "SELECT":
            select(page, own_field, own_value)
        else:
            locator.fill(own_value)
        if index == 0:
            screenshot(page, "form-record-th")
        page.click('button[name="save"][value="continue"], button[name="save"]')
        page.wait_for_load_state("networkidle")
        assert "/resource/new" in page.url or "new_resource" in page.url, page.url
        page.fill("#field-name", "ไฟล์ข้อมูลหลัก")
        page.click("#resource-link-button")
        page.fill("#field-resource-url", f"http://127.0.0.1/files/{slug}.csv")
        page.click('button[name="save"][value="go-metadata"]')
        page.wait_for_load_state("networkidle")
        assert page.url.rstrip("/").endswith(f"/dataset/{slug}"), page.url
    screenshot(page, "dataset-page-statistics-as-editor")


def test_what_an_anonymous_visitor_and_a_member_see(live_server, page, browser, people):
    from ckan.tests import helpers
    from ckanext.govcatalog.tests.schema.payloads import dataset_payload

    helpers.call_action("package_create", context={"user": people["editor"]["name"]}, **dataset_payload(
        people["org"]["id"], "restricted-stats", data_category="ข้อมูลส่วนบุคคล", data_classification="ลับ",
        title="สถิติผู้ป่วยรายโรค (ลับ)",
        resources=[{"name": "ไฟล์ผู้ป่วย", "url": "http://127.0.0.1/files/patients.csv", "format": "CSV"}]))
    page.goto(live_server + "/th/dataset/restricted-stats")
    screenshot(page, "restricted-dataset-anonymous")
    assert "ไม่แสดงไฟล์ข้อมูลและทรัพยากร" in page.content()
    assert "patients.csv" not in page.content()

    member_page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(member_page, live_server, people["member"])
    member_page.goto(live_server + "/th/dataset/restricted-stats")
    screenshot(member_page, "restricted-dataset-member")
    assert "ไฟล์ผู้ป่วย" in member_page.content()
    assert "ไม่แสดงไฟล์ข้อมูลและทรัพยากร" not in member_page.content()
