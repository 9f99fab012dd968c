"""The matrix tests use the workflow room's small agency (editors, admin, approver, outsiders)."""
from ckanext.govcatalog.tests.workflow.conftest import agency  # noqa: F401 (a fixture, re-exported)
