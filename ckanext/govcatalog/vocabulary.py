"""The national vocabulary: dataset types, their field groups and the "other" choices.

The stored values are those of ../shared/spec/metadata-vocabulary.md (what GD Catalog reads);
the full choice lists live in schemas/dataset.yaml.
"""
from __future__ import annotations

from typing import Any, Optional

RECORD = "record"
STATISTICS = "statistics"
GIS = "gis"

TYPE_RECORD = "ข้อมูลระเบียน"
TYPE_STATISTICS = "ข้อมูลสถิติ"
TYPE_GIS = "ข้อมูลภูมิสารสนเทศเชิงพื้นที่"
TYPE_MULTIPLE = "ข้อมูลหลากหลายประเภท"
TYPE_OTHER = "ข้อมูลประเภทอื่นๆ"

# data_type -> the field group that applies to it
GROUP_OF_TYPE: dict[str, str] = {
    TYPE_RECORD: RECORD,
    TYPE_STATISTICS: STATISTICS,
    TYPE_GIS: GIS,
    TYPE_MULTIPLE: RECORD,
    TYPE_OTHER: RECORD,
}
OTHER = "อื่นๆ"
# The value that plays the role of อื่นๆ in a list that words it differently.
OTHER_BY_FIELD: dict[str, str] = {"data_type": TYPE_OTHER}


def group_of_type(data_type: Any) -> Optional[str]:
    return GROUP_OF_TYPE.get(data_type) if isinstance(data_type, str) else None


def is_other(field_name: str, value: str) -> bool:
    return value == OTHER_BY_FIELD.get(field_name, OTHER)
