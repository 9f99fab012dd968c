"""Changes that readers outside the catalog must notice (incremental harvesters filter on
``metadata_modified``)."""
from __future__ import annotations

import datetime

import ckan.model as model


def mark_modified(package: model.Package) -> None:
    """What outsiders may see of the dataset changed: harvesters that pull what changed since their
    last run look at it again. CKAN keeps metadata_modified as naive UTC."""
    package.metadata_modified = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
