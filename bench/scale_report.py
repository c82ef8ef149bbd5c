"""The scale benchmark's tables (markdown) from the figures `bench.scale` collects."""

from __future__ import annotations

from typing import Any

from bench.stage_profile import STAGES

MIB = 2**20


def report(results: list[dict[str, Any]]) -> str:
    parts = [plans(results), applies(results), stages(results)]
    if any("cpu" in r["stages"] and "wall_cpu" in r["stages"] for r in results):
        parts.append("CPU seconds per stage:\n\n" + stages(results, "cpu"))
    parts.append(floors(results))
    if any("postgres" in r for r in results):
        parts.append(postgres(results))
    parts.append(loads(results))
    return "\n\n".join(parts)


def _firm(r: dict[str, Any]) -> str:
    return f"| {r['shape']} | {r['traders']:,} "


def _s(seconds: float | None) -> str:
    if seconds is None:
        return "n/a"
    if seconds < 120:
        return f"{seconds:.2f} s"
    return f"{seconds / 60:.1f} min"


def _mib(value: float) -> str:
    return f"{value:,.0f} MiB"


def _bytes(value: int | None) -> str:
    if value is None:
        return "n/a"
    if value < MIB:
        return f"{value / 1024:,.0f} KiB"
    return f"{value / 1e6:,.1f} MB"


def plans(results: list[dict[str, Any]]) -> str:
    lines = [
        "| firm | traders | plan, no change | its CPU | peak RSS | plan, all to create | its CPU "
        "| peak RSS | floor | no change / floor |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        noop, create = r["commands"]["plan_noop"], r["commands"]["plan_create"]
        floor = _floor_total(r["floor"])
        lines.append(
            _firm(r) + f"| {_s(noop['seconds'])} | {_s(noop['cpu'])} | {_mib(noop['peak_mib'])} "
            f"| {_s(create['seconds'])} | {_s(create['cpu'])} | {_mib(create['peak_mib'])} "
            f"| {_s(floor)} | {noop['seconds'] / floor:.1f}x |"
        )
    return "\n".join(lines)


def applies(results: list[dict[str, Any]]) -> str:
    lines = [
        "| firm | traders | apply from empty | its CPU | peak RSS | API calls / minimum "
        "| written to disk | state | 10 changed: plan | apply | its CPU | written to disk "
        "| state dir size change |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        c = r["commands"]
        apply, change, change_apply = c["apply"], c["plan_change"], c["apply_change"]
        lines.append(
            _firm(r) + f"| {_s(apply['seconds'])} | {_s(apply['cpu'])} "
            f"| {_mib(apply['peak_mib'])} | {r['calls']:,} / {r['minimum']:,} "
            f"| {_bytes(apply['written'])} | {_bytes(r['state_bytes'])} | {_s(change['seconds'])} "
            f"| {_s(change_apply['seconds'])} | {_s(change_apply['cpu'])} "
            f"| {_bytes(change_apply['written'])} "
            f"| {r['change_state_delta']:+,} B |"
        )
    return "\n".join(lines)


def stages(results: list[dict[str, Any]], measure: str = "seconds") -> str:
    """Wall (or CPU) seconds per stage of the no-change plan, with the resident memory after
    the stage in parentheses; "other" is what the process took outside the stages."""
    head = " | ".join(STAGES)
    lines = [
        f"| firm | traders | {head} | other | total |",
        "|---|---:|" + "---:|" * (len(STAGES) + 2),
    ]
    for r in results:
        profile = r["stages"]
        if measure not in profile:
            continue
        seconds, rss = profile[measure], profile["rss"]
        cells = []
        for name in STAGES:
            value = seconds.get(name)
            memory = f" ({rss[name]:,.0f})" if name in rss and value is not None else ""
            cells.append(f"{_s(value)}{memory}")
        known = sum(v for v in seconds.values() if v is not None)
        wall = profile["wall" if measure == "seconds" else "wall_cpu"]
        lines.append(_firm(r) + "| " + " | ".join(cells) + f" | {_s(wall - known)} | {_s(wall)} |")
    return "\n".join(lines)


def _floor_total(floor: dict[str, Any]) -> float:
    return float(
        floor["startup"] + floor["cli_import"] + floor["manifest_bytes"] + (floor["transfer"] or 0)
    )


def floors(results: list[dict[str, Any]]) -> str:
    lines = [
        "| firm | traders | python start-up | import the CLI | read the manifests "
        "| list answers moved | floor |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        f = r["floor"]
        lines.append(
            _firm(r) + f"| {_s(f['startup'])} | {_s(f['cli_import'])} "
            f"| {_s(f['manifest_bytes'])} ({_bytes(f['manifest_size'])}) "
            f"| {_s(f['transfer'])} ({_bytes(f['transfer_bytes'])}, "
            f"{f['transfer_requests']} GETs) | {_s(_floor_total(f))} |"
        )
    return "\n".join(lines)


def postgres(results: list[dict[str, Any]]) -> str:
    lines = [
        "| firm | traders | apply from empty | its WAL: state tables (cluster) "
        "| 10 changed: plan | apply | its WAL: state tables (cluster) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        p = r.get("postgres")
        if p is None:
            continue
        apply_wal = f"{_bytes(p.get('apply_schema_wal'))} ({_bytes(p['apply_wal'])})"
        change_wal = f"{_bytes(p.get('change_schema_wal'))} ({_bytes(p['change_wal'])})"
        lines.append(
            _firm(r) + f"| {_s(p['apply']['seconds'])} | {apply_wal} "
            f"| {_s(p['plan_change']['seconds'])} | {_s(p['apply_change']['seconds'])} "
            f"| {change_wal} |"
        )
    return "\n".join(lines)


def loads(results: list[dict[str, Any]]) -> str:
    lines = ["| firm | traders | load average before (1/5/15 min) | after |", "|---|---:|---|---|"]
    for r in results:
        before = "/".join(f"{v:.1f}" for v in r["load_before"])
        after = "/".join(f"{v:.1f}" for v in r["load_after"])
        lines.append(_firm(r) + f"| {before} | {after} |")
    return "\n".join(lines)
