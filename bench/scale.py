"""The no-change plan at scale, per stage and against a floor, in one command:

    python -m bench.scale [--sizes 1000,10000,100000] [--quick] [--shapes block,list]
                          [--postgres-max 10000] [--json FILE] [--report FILE]

For each size N and firm shape (`block`: N traders in 20 block-style files, two accounts each,
see `bench/block_firm.py`; `list`: the shape of `bench/generate.py`), against the three
sandboxes in a process of their own at 0 ms: `plan` with everything to create, `apply` from
empty (its CPU time), `plan` with nothing to change (wall, peak RSS, and the same plan's
stages in a process of their own), then 10 traders' city changed: `plan` and `apply` (state
bytes written). With PostgreSQL (the block shape, N up to --postgres-max), the apply from empty
and the 10-trader change again with the state in PostgreSQL, counting the WAL they generate.
The floor (Python start-up, importing the command module, reading the manifests' bytes, the
refresh's list answers moved as bytes) is measured in the same run. The machine's load average
is printed before and after each firm.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # `python bench/scale.py`: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.block_firm import move_traders, write_block_traders
from bench.floor import measure_floor, request_log
from bench.generate import Counts, firm, write_traders
from bench.measure import clear_requests, minimum_calls, platforms, served
from bench.pg_wal import position, relations, schema_wal
from bench.processes import load, profile_stages, run_command, tree_size
from bench.run import UNPACED, machine
from bench.sandboxes import Sandboxes
from bench.scale_report import report

SHAPES: dict[str, Callable[[Path, int], Counts]] = {
    "block": write_block_traders,
    "list": write_traders,
}
CHANGED = 10
"""Traders whose city the change plan moves."""
DSN = "postgresql://postgres@127.0.0.1:5432/test"


def write_firm_file(manifests: Path, urls: dict[str, str], state: dict[str, Any]) -> None:
    manifests.mkdir(parents=True, exist_ok=True)
    document = firm(platforms(urls), rate_limits=UNPACED)
    document["settings"]["state"] = state
    (manifests / "firm.yaml").write_text(json.dumps(document, indent=1) + "\n")


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise SystemExit(f"benchmark failed: {message}")


def measure(shape: str, size: int, work: Path) -> dict[str, Any]:
    """Every local-backend figure of one firm."""
    root = work / f"{shape}-{size}"
    manifests = root / "manifests"
    result: dict[str, Any] = {"shape": shape, "traders": size, "load_before": load()}
    with Sandboxes() as sandboxes:
        urls = sandboxes.urls
        write_firm_file(manifests, urls, {"backend": "local", "path": "state"})
        counts = SHAPES[shape](manifests, size)
        result["accounts"] = counts.accounts
        create = run_command(root, "plan")
        _check(create.code == 0, f"plan: {create.summary}")
        clear_requests(urls)
        applied = run_command(root, "apply", "--auto-approve")
        _check(applied.code == 0, f"apply failed: {applied.summary}")
        calls = served(urls)
        result["calls"] = sum(sum(c.values()) for c in calls.values())
        result["minimum"] = sum(minimum_calls(counts).values())
        result["state_bytes"] = tree_size(root / "state")
        clear_requests(urls)
        noop = run_command(root, "plan")
        _check(noop.summary.startswith("No changes"), f"plan after apply: {noop.summary}")
        logs = request_log(urls)
        result["stages"] = profile_stages(root)
        _check(result["stages"].get("changes") is False, "the profiled plan found changes")
        floor = measure_floor(manifests, urls, platforms(urls), logs)
        result["floor"] = dataclasses.asdict(floor)
        _check(move_traders(manifests, CHANGED) == CHANGED, "could not change 10 traders")
        change = run_command(root, "plan")
        before = tree_size(root / "state")
        change_apply = run_command(root, "apply", "--auto-approve")
        _check(change_apply.code == 0, f"apply of the change: {change_apply.summary}")
        result["change_state_delta"] = tree_size(root / "state") - before
    result["commands"] = {
        "plan_create": dataclasses.asdict(create),
        "apply": dataclasses.asdict(applied),
        "plan_noop": dataclasses.asdict(noop),
        "plan_change": dataclasses.asdict(change),
        "apply_change": dataclasses.asdict(change_apply),
    }
    result["load_after"] = load()
    return result


def _drop_schema(dsn: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def measure_postgres(shape: str, size: int, work: Path, dsn: str) -> dict[str, Any]:
    """The apply from empty and the 10-trader change with the state in PostgreSQL: wall and
    the WAL each generated: the whole cluster's (other work on the server counts too) and,
    where the server's WAL can be read, that of the state schema's tables alone."""
    root = work / f"{shape}-{size}-postgres"
    manifests = root / "manifests"
    schema = f"bench_{os.getpid()}_{size}"
    env = {"RECONCILER_PG_DSN": dsn}
    result: dict[str, Any] = {"shape": shape, "traders": size, "schema": schema}
    try:
        with Sandboxes() as sandboxes:
            state = {"backend": "postgres", "schema": schema}
            write_firm_file(manifests, sandboxes.urls, state)
            SHAPES[shape](manifests, size)
            start = position(dsn)
            applied = run_command(root, "apply", "--auto-approve", env=env)
            _check(applied.code == 0, f"postgres apply: {applied.summary}")
            middle = position(dsn)
            rels = relations(dsn, schema)
            result["apply_schema_wal"] = schema_wal(dsn, rels, start, middle)
            move_traders(manifests, CHANGED)
            change = run_command(root, "plan", env=env)
            before = position(dsn)
            change_apply = run_command(root, "apply", "--auto-approve", env=env)
            _check(change_apply.code == 0, f"postgres change: {change_apply.summary}")
            end = position(dsn)
            rels |= relations(dsn, schema)
            result["change_schema_wal"] = schema_wal(dsn, rels, before, end)
    finally:
        _drop_schema(dsn, schema)
    result["apply"] = dataclasses.asdict(applied)
    result["apply_wal"] = middle.at - start.at
    result["plan_change"] = dataclasses.asdict(change)
    result["apply_change"] = dataclasses.asdict(change_apply)
    result["change_wal"] = end.at - before.at
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--sizes", default="1000,10000,100000", help="firm sizes (traders)")
    parser.add_argument("--quick", action="store_true", help="N = 1,000 only")
    parser.add_argument("--shapes", default="block,list", help="firm shapes: block, list")
    parser.add_argument(
        "--postgres-max", type=int, default=10_000, help="PostgreSQL runs up to this N (0: none)"
    )
    parser.add_argument("--dsn", default=os.environ.get("RECONCILER_PG_DSN", DSN))
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    parser.add_argument("--workdir", type=Path, help="keep the firms here (default: a temp dir)")
    parser.add_argument("--report", type=Path, help="only print the tables of a --json file")
    options = parser.parse_args()
    if options.report:
        print(report(json.loads(options.report.read_text())))
        return
    sizes = [1000] if options.quick else [int(s) for s in options.sizes.split(",")]
    shapes = [s for s in options.shapes.split(",") if s]
    unknown = set(shapes) - SHAPES.keys()
    if unknown:
        parser.error(f"unknown shape(s): {', '.join(sorted(unknown))} (known: block, list)")
    print(f"machine: {machine()}; load average at start {_loads(load())}", flush=True)
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="reconciler-scale-") as temp:
        work = options.workdir or Path(temp)
        for size in sizes:
            for shape in shapes:
                started = time.perf_counter()
                result = measure(shape, size, work)
                if shape == "block" and size <= options.postgres_max:
                    result["postgres"] = measure_postgres(shape, size, work, options.dsn)
                results.append(result)
                print(
                    f"{shape} N={size:,}: measured in {time.perf_counter() - started:.0f} s "
                    f"(load {_loads(result['load_before'])} -> {_loads(load())})",
                    flush=True,
                )
                if options.json:
                    options.json.write_text(json.dumps(results, indent=1) + "\n")
    print()
    print(report(results))


def _loads(values: tuple[float, ...] | list[float]) -> str:
    return "/".join(f"{v:.1f}" for v in values)


if __name__ == "__main__":
    main()
