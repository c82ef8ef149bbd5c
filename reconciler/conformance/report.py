"""The conformance bundle's markdown report: each checklist line with its result, what proves
it, and the calls and answers (from the log) behind it."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from reconciler.conformance.checklist import CHECKLIST, STAGE_NAMES
from reconciler.conformance.evidence import LineOutcome
from reconciler.conformance.recorder import Exchange

_MARK = {"pass": "\u2705 pass", "fail": "\u274c fail", "not run": "\u2796 not run"}
_EXCERPT = 300


def render_report(
    outcomes: Mapping[str, LineOutcome],
    exchanges: Sequence[Exchange],
    *,
    environment: str,
    prefix: str,
    run: str,
    started: str,
) -> str:
    """The report as markdown (pure)."""
    counts = {s: sum(1 for o in outcomes.values() if o.status == s) for s in _MARK}
    lines = [
        "# Tradovate conformance report",
        "",
        f"Environment **{environment}**, cohort prefix `{prefix}`, run `{run}`, started {started}.",
        "",
        f"**{counts['pass']} passed, {counts['fail']} failed, {counts['not run']} not run.** "
        "Every request and answer is in `log.jsonl` (secrets redacted); `#n` below is its "
        "sequence number there.",
    ]
    by_seq = {e.seq: e for e in exchanges}
    for stage in (1, 2, 3, 4, 0):
        rows = [line for line in CHECKLIST if line.stage == stage]
        title = STAGE_NAMES.get(stage, "Cleanup")
        lines += ["", f"## {f'Stage {stage}: ' if stage else ''}{title}", ""]
        lines += ["| line | requirement | result | evidence | calls |", "|:--|:--|:--|:--|:--|"]
        for line in rows:
            found = outcomes.get(line.id)
            outcome = found or LineOutcome(line.id, "not run", "stage not selected")
            calls = _seqs(outcome.seqs)
            detail = outcome.detail.replace("|", "\\|").replace("\n", " ")
            lines.append(
                f"| {line.id} | {line.text} | {_MARK[outcome.status]} | {detail} | {calls} |"
            )
    lines += ["", "## Calls and answers by line", ""]
    for line in CHECKLIST:
        shown = outcomes.get(line.id)
        if shown is None or not shown.seqs:
            continue
        lines += [f"<details><summary>{line.id} {line.text}</summary>", "", "```"]
        for seq in shown.seqs:
            lines.append(_exchange(by_seq[seq]))
        lines += ["```", "", "</details>"]
    return "\n".join(lines) + "\n"


def _seqs(seqs: Sequence[int]) -> str:
    if not seqs:
        return ""
    if len(seqs) > 2 and seqs[-1] - seqs[0] == len(seqs) - 1:
        return f"#{seqs[0]}-#{seqs[-1]}"
    return ", ".join(f"#{s}" for s in seqs)


def _exchange(e: Exchange) -> str:
    if e.channel == "ws":
        text = e.request if e.method == "send" else e.answer
        return f"#{e.seq} WS {e.method}: {_short(text)}"
    head = f"#{e.seq} {e.method} {e.url} -> {e.status} ({e.milliseconds:.0f} ms)"
    body = f"\n    request: {_short(e.request)}" if e.request is not None else ""
    return f"{head}{body}\n    answer: {_short(e.answer)}"


def _short(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    text = text.replace("\n", "\\n")
    return text if len(text) <= _EXCERPT else text[:_EXCERPT] + " ..."
