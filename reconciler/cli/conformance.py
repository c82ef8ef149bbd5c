"""`reconciler conformance`: the platform's conformance checklist against the Firm manifest's
environment, with a throwaway cohort; writes the evidence bundle."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from reconciler.cli.context import EXIT_ERROR, Context, pass_context, reports_errors
from reconciler.conformance import ALL_STAGES, ConformanceOptions, run_conformance
from reconciler.manifest import load_manifests
from reconciler.providers import schemas
from reconciler.workspace import sandbox_data


@click.command()
@click.option(
    "--prefix",
    required=True,
    help="Upper-case letters naming the throwaway cohort (users PREFIX.run.n, accounts "
    "PREFIXrunN); refused if a declared trader or account starts with it.",
)
@click.option(
    "--stage",
    "stages",
    type=click.IntRange(1, 4),
    multiple=True,
    help="A stage to run (repeatable; default: 1 to 4).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The bundle's directory (default: conformance-<UTC time> beside the manifests).",
)
@pass_context
@reports_errors
def conformance(ctx: Context, prefix: str, stages: tuple[int, ...], out: Path | None) -> None:
    """Run Tradovate conformance Stages 1-4 with a throwaway cohort, always cleaning it up,
    and write log.jsonl (every call, secrets redacted), report.md and summary.json. Never reads
    or writes state. Exit 0 when no line failed, 1 otherwise."""
    desired = load_manifests(ctx.manifests, schemas=schemas())
    root = ctx.manifests.resolve().parent
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    options = ConformanceOptions(
        prefix=prefix,
        out=out or root / f"conformance-{stamp}",
        stages=frozenset(stages) or ALL_STAGES,
        sandbox_dir=sandbox_data(root, desired.firm.settings.state.path),
        timeout=ctx.http_timeout,
    )
    result = run_conformance(desired, options=options)
    counts = dict.fromkeys(("pass", "fail", "not run"), 0)
    for outcome in result.outcomes.values():
        counts[outcome.status] += 1
        if outcome.status == "fail":
            ctx.out.print(f"FAIL {outcome.line}: {outcome.detail}")
    ctx.out.print(
        f"Conformance: {counts['pass']} passed, {counts['fail']} failed, "
        f"{counts['not run']} not run. Report: {result.report}"
    )
    if not result.passed:
        raise SystemExit(EXIT_ERROR)
