"""The platform's conformance programme (Tradovate Stages 1-4) run against the Firm manifest's
environment with a throwaway cohort, evidenced by a bundle: a redacted JSON-lines log of every
call and a markdown report mapping each checklist line to its result and calls."""

from reconciler.conformance.checklist import CHECKLIST, Line
from reconciler.conformance.cohort import CohortError
from reconciler.conformance.evidence import LineOutcome
from reconciler.conformance.runner import (
    ALL_STAGES,
    ConformanceOptions,
    ConformanceResult,
    run_conformance,
)

__all__ = [
    "ALL_STAGES",
    "CHECKLIST",
    "CohortError",
    "ConformanceOptions",
    "ConformanceResult",
    "Line",
    "LineOutcome",
    "run_conformance",
]
