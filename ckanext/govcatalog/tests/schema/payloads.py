"""Valid dataset payloads of each of the five types, for tests of the schema and the policy."""
from __future__ import annotations

import copy
from typing import Any

COMMON: dict[str, Any] = {
    "title": "จำนวนประชากรรายจังหวัด พ.ศ. 2566",
    "notes": "จำนวนประชากรจากการทะเบียนราษฎร จำแนกรายจังหวัด",
    "tag_string": "ประชากร, จังหวัด",
    "maintainer": "กลุ่มงานสถิติ",
    "maintainer_email": "stat@agency.go.th",
    "objective": ["พันธกิจหน่วยงาน"],
    "update_frequency_unit": "ปี",
    "update_frequency_interval": "1",
    "geo_coverage": "จังหวัด",
    "data_source": "ระบบทะเบียนราษฎร",
    "data_format": ["CSV"],
    "data_category": "ข้อมูลสาธารณะ",
    "data_classification": "เปิดเผย",
    "license_id": "Open Data Common",
    "data_language": ["ไทย"],
    "last_updated_date": "2024-03-15",
    "resources": [{"name": "ไฟล์ข้อมูล", "url": "http://127.0.0.1/data.csv", "format": "CSV"}],
}

BY_TYPE: dict[str, dict[str, Any]] = {
    "ข้อมูลระเบียน": {"data_support": "หน่วยงานของรัฐ", "data_collect": "บุคคล", "created_date": "2020-01-01",
                      "high_value_dataset": "False", "reference_data": "False"},
    "ข้อมูลสถิติ": {"first_year_of_data": "2560", "last_year_of_data": "2566", "disaggregate": ["เพศ"],
                    "unit_of_measure": "คน", "unit_of_multiplier": "หน่วย", "official_statistics": "True"},
    "ข้อมูลภูมิสารสนเทศเชิงพื้นที่": {
        "geographic_data_set": "ชั้นข้อมูลขอบเขตการปกครอง", "equivalent_scale": "1:50,000",
        "west_bound_longitude": "97.3", "east_bound_longitude": "105.6",
        "south_bound_longitude": "5.6", "north_bound_longitude": "20.5",
    },
    "ข้อมูลหลากหลายประเภท": {"data_support": "ไม่มี", "data_collect": "ครัวเรือน/ครอบครัว"},
    "ข้อมูลประเภทอื่นๆ": {"data_type_other": "ข้อมูลเสียงบันทึกการประชุม", "data_collect": "ไม่มี"},
}
DATA_TYPES = tuple(BY_TYPE)


def dataset_payload(owner_org: str, name: str, data_type: str = "ข้อมูลสถิติ", **overrides: Any) -> dict[str, Any]:
    payload = copy.deepcopy(COMMON) | copy.deepcopy(BY_TYPE[data_type])
    payload.update(name=name, owner_org=owner_org, data_type=data_type)
    payload.update(overrides)
    return payload
