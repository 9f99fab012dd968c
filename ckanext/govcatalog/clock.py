"""The one clock of the suite: timezone-aware UTC, for stored timestamps and their comparisons."""
from __future__ import annotations

import datetime


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)
