"""The workflow tests' small agency, plus a harvest account (ckanext.govcatalog.harvest_accounts)."""
from __future__ import annotations

import pytest

from ckan.tests import factories

from ckanext.govcatalog.tests.workflow.conftest import Agency

HARVEST_ACCOUNT = "national-harvester"
CONFIDENTIAL = {"data_category": "ข้อมูลส่วนบุคคล", "data_classification": "ลับ"}
TOP_SECRET = {"data_category": "ข้อมูลความลับทางราชการ", "data_classification": "ลับที่สุด"}
INTERNAL = {"data_category": "ข้อมูลใช้ภายใน", "data_classification": "ชั้นเผยแพร่ภายในองค์กร"}


@pytest.fixture
def agency(app):
    agency = Agency(app)
    agency.users["harvester"] = factories.UserWithToken(name=HARVEST_ACCOUNT)
    return agency
