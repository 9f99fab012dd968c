"""An editor submits, an approver reviews the change as a diff and approves: in a real browser."""
from __future__ import annotations

import pytest

from ckan.tests import factories, helpers

from ckanext.govcatalog.tests.schema.payloads import dataset_payload
from ckanext.govcatalog.tests.workflow.conftest import WORKFLOW_PLUGINS

from .conftest import screenshot
from .test_dataset_form import PASSWORD, log_in

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", WORKFLOW_PLUGINS),
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index"),
]


def test_submit_review_the_diff_and_approve(live_workflow_server, browser):
    base = live_workflow_server
    editor, approver = factories.User(password=PASSWORD), factories.User(password=PASSWORD)
    org = factories.Organization(name="stats-office", title="สำนักงานสถิติจังหวัด", users=[
        {"name": editor["name"], "capacity": "editor"}, {"name": approver["name"], "capacity": "admin"}])
    helpers.call_action("package_create", context={"user": editor["name"]},
                        **dataset_payload(org["id"], "population", title="จำนวนประชากร พ.ศ. 2565"))

    editor_page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(editor_page, base, editor)
    editor_page.goto(base + "/th/dataset/population")
    editor_page.click('button[name="workflow-submit"]')
    editor_page.wait_for_load_state("networkidle")
    assert "รออนุมัติ" in editor_page.locator(".govcatalog-workflow h2").inner_text()

    approver_page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(approver_page, base, approver)
    approver_page.goto(base + "/th/dashboard/approvals")
    screenshot(approver_page, "workflow-queue")
    assert "จำนวนประชากร พ.ศ. 2565" in approver_page.content()
    approver_page.click("text=จำนวนประชากร พ.ศ. 2565")
    approver_page.click('button[name="workflow-approve"]')
    approver_page.wait_for_load_state("networkidle")
    assert "เผยแพร่" in approver_page.locator(".govcatalog-workflow h2").inner_text()

    # the editor changes the published title: the approver sees the change as a diff
    editor_page.goto(base + "/th/dataset/edit/population")
    editor_page.fill("#field-title", "จำนวนประชากร พ.ศ. 2566")
    assert editor_page.locator('button[value="go-metadata-unpublish"]').count() == 0  # the workflow publishes
    editor_page.locator('button[name="save"]').last.click()
    editor_page.wait_for_load_state("networkidle")
    anonymous = browser.new_context().new_page()
    anonymous.goto(base + "/th/dataset/population")
    assert "จำนวนประชากร พ.ศ. 2565" in anonymous.content()  # the public keeps the approved version

    approver_page.goto(base + "/th/dataset/population")
    diff = approver_page.locator(".govcatalog-diff")
    assert "จำนวนประชากร พ.ศ. 2566" in diff.inner_text()
    screenshot(approver_page, "workflow-diff")
    approver_page.click('button[name="workflow-approve"]')
    approver_page.wait_for_load_state("networkidle")
    screenshot(approver_page, "workflow-after-revision-approval")
    anonymous.goto(base + "/th/dataset/population")
    assert "จำนวนประชากร พ.ศ. 2566" in anonymous.content()
    screenshot(anonymous, "workflow-published-anonymous")
