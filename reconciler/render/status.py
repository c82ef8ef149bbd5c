"""`reconciler status`: the onboarding funnel as terminal text, markdown (a nightly job
summary), JSON and CSV (for the team's spreadsheet). Pure: strings from funnel rows."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import datetime

from reconciler.plan import (
    FUNNEL_PLATFORMS,
    FunnelRow,
    FunnelStage,
    PlatformSummary,
    stage_age,
)

_DAY = 86_400


def duration_text(seconds: float) -> str:
    """`19 days`, `1 day`, `5 hours`, `under an hour`."""
    if seconds >= _DAY:
        days = int(seconds // _DAY)
        return f"{days} day{'s' if days != 1 else ''}"
    hours = int(seconds // 3600)
    if hours:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return "under an hour"


def summary_text(summaries: Sequence[PlatformSummary]) -> str:
    """`Tradovate: 9,412 entitled, 540 waiting for signature (oldest 19 days); TraderPal: ...`"""
    if not summaries:
        return "No trader is recorded in state yet."
    return "; ".join(_platform_summary(summary) for summary in summaries)


def _platform_summary(summary: PlatformSummary) -> str:
    parts = []
    for stage in FunnelStage:
        count = summary.counts.get(stage, 0)
        if not count:
            continue
        part = f"{count:,} {stage.value}"
        if stage.is_waiting and summary.oldest_wait is not None:
            part += f" (oldest {duration_text(summary.oldest_wait)})"
        parts.append(part)
    return f"{FUNNEL_PLATFORMS[summary.platform]}: {', '.join(parts)}"


def _since(row: FunnelRow, *, now: datetime) -> str:
    seconds = stage_age(row, now=now)
    if seconds is None:
        return ""
    return f"since {row.since[:10]} ({duration_text(seconds)})"


def render_status(
    summaries: Sequence[PlatformSummary], rows: Sequence[FunnelRow], *, now: datetime
) -> str:
    """The summary line, then one aligned line per trader and platform."""
    lines = [summary_text(summaries)]
    if rows:
        trader_width = max(len(row.trader) for row in rows)
        platform_width = max(len(row.platform) for row in rows)
        stage_width = max(len(row.stage.value) for row in rows)
        lines.append("")
        for row in rows:
            line = (
                f"{row.trader:<{trader_width}}  {row.platform:<{platform_width}}  "
                f"{row.stage.value:<{stage_width}}  {_since(row, now=now)}"
            )
            lines.append(line.rstrip())
    return "\n".join(lines) + "\n"


def render_status_markdown(
    summaries: Sequence[PlatformSummary], rows: Sequence[FunnelRow], *, now: datetime
) -> str:
    """A job summary: a heading, the summary per platform, then a table."""
    lines = ["### Onboarding funnel", ""]
    if summaries:
        lines.extend(f"- {_platform_summary(summary)}" for summary in summaries)
    else:
        lines.append(summary_text(summaries))
    if rows:
        lines.extend(
            ["", "| Trader | Platform | Stage | Since | Waited |", "|---|---|---|---|---|"]
        )
        for row in rows:
            seconds = stage_age(row, now=now)
            waited = duration_text(seconds) if seconds is not None else ""
            cells = (row.trader, FUNNEL_PLATFORMS[row.platform], row.stage.value, row.since)
            escaped = " | ".join(cell.replace("|", "\\|") for cell in cells)
            lines.append(f"| {escaped} | {waited} |")
    return "\n".join(lines) + "\n"


def render_status_json(
    summaries: Sequence[PlatformSummary], rows: Sequence[FunnelRow], *, now: datetime
) -> str:
    """{summary: [...], rows: [...]} with ages in whole seconds (null when unknown)."""
    document = {
        "now": now.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "summary": [
            {
                "platform": summary.platform,
                "counts": {stage.value: n for stage, n in summary.counts.items()},
                "oldest_wait_seconds": _whole(summary.oldest_wait),
            }
            for summary in summaries
        ],
        "rows": [
            {
                "trader": row.trader,
                "platform": row.platform,
                "stage": row.stage.value,
                "since": row.since or None,
                "age_seconds": _whole(stage_age(row, now=now)),
            }
            for row in rows
        ],
    }
    return json.dumps(document, indent=2)


def render_status_csv(rows: Sequence[FunnelRow], *, now: datetime) -> str:
    """trader,platform,stage,since,age_days: one row per trader and platform."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["trader", "platform", "stage", "since", "age_days"])
    for row in rows:
        seconds = stage_age(row, now=now)
        days = "" if seconds is None else str(int(seconds // _DAY))
        writer.writerow([row.trader, row.platform, row.stage.value, row.since, days])
    return buffer.getvalue()


def _whole(seconds: float | None) -> int | None:
    return None if seconds is None else int(seconds)


__all__ = [
    "duration_text",
    "render_status",
    "render_status_csv",
    "render_status_json",
    "render_status_markdown",
    "summary_text",
]
