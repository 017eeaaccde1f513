"""The contracts' fixtures (pa's signed contract for ca1 and one worked day, 2026-03-10)."""

from kefu.engagements.contracts.tests.conftest import (  # noqa: F401 (fixtures)
    draft,
    next_morning,
    signed,
    worked_day,
)
