"""Hypothesis profiles: deterministic in `make test`, random and longer in `make fuzz`.

Loaded from tests/conftest.py, before any test module builds its ``@settings`` (which copy the
default settings of the moment). ``GOVCATALOG_FUZZ=1`` (set by `make fuzz`) picks the random
profile; ``GOVCATALOG_FUZZ_FACTOR`` scales the example counts of the tests that set their own.
"""
from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

FUZZING = os.environ.get("GOVCATALOG_FUZZ") == "1"
FACTOR = int(os.environ.get("GOVCATALOG_FUZZ_FACTOR", "10")) if FUZZING else 1

# Same examples on every run and machine: no example database, no clock-dependent deadline.
settings.register_profile(
    "deterministic", derandomize=True, database=None, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
# A fresh random run; failures print the reproducing blob (@reproduce_failure) to keep as @example.
settings.register_profile(
    "fuzz", derandomize=False, database=None, deadline=None, print_blob=True, max_examples=100 * FACTOR,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("fuzz" if FUZZING else "deterministic")


def examples(count: int) -> int:
    """A test's own example count, scaled up under `make fuzz`."""
    return count * FACTOR
