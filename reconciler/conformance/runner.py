"""One conformance run: open the Firm manifest's Tradovate environment, run the selected
stages with a throwaway cohort, always clean up, and write the bundle (log, report, summary).
It reads the manifests only to stay clear of declared names; it never opens state."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
from pydantic import SecretStr

from reconciler.conformance.accounts import clean_up, stage_4
from reconciler.conformance.auth import login, penalty_tickets, stage_1, stage_2
from reconciler.conformance.caller import Caller, ConformanceFailure
from reconciler.conformance.checklist import CHECKLIST
from reconciler.conformance.cohort import CohortError, make_cohort
from reconciler.conformance.context import RunContext
from reconciler.conformance.evidence import Evidence, LineOutcome
from reconciler.conformance.recorder import Recorder, RecordingTransport
from reconciler.conformance.report import render_report
from reconciler.conformance.users import create_users, security, stage_3
from reconciler.manifest import Desired
from reconciler.providers import make_http_client
from reconciler.providers.tradovate import (
    ENDPOINTS,
    Credentials,
    Endpoints,
    TradovateSettings,
    websocket_url,
)

ALL_STAGES = frozenset({1, 2, 3, 4})


@dataclass(frozen=True, slots=True)
class ConformanceOptions:
    """`prefix` names the cohort; `out` is the bundle's directory; `stages` a subset of 1-4."""

    prefix: str
    out: Path
    stages: frozenset[int] = ALL_STAGES
    sandbox_dir: Path = Path("state")
    sleep: Callable[[float], None] = time.sleep
    timer: Callable[[], float] = time.perf_counter
    clock: Callable[[], float] = time.time
    timeout: float = 30.0


@dataclass(frozen=True, slots=True)
class ConformanceResult:
    """The outcomes by line and where the bundle was written."""

    outcomes: dict[str, LineOutcome] = field(default_factory=dict)
    report: Path = Path()
    log: Path = Path()

    @property
    def passed(self) -> bool:
        return all(o.status != "fail" for o in self.outcomes.values())


def run_conformance(desired: Desired, *, options: ConformanceOptions) -> ConformanceResult:
    """Run the checklist's selected stages against the Firm manifest's Tradovate environment."""
    settings = desired.firm.providers.get("tradovate")
    if not isinstance(settings, TradovateSettings):
        raise CohortError("the Firm manifest configures no tradovate provider")
    stages = options.stages
    if not stages or not stages <= ALL_STAGES:
        raise CohortError("--stage takes 1, 2, 3 or 4")
    started = datetime.fromtimestamp(options.clock(), UTC)
    run_id = started.strftime("%m%d%H%M%S")
    cohort = make_cohort(
        options.prefix,
        run=run_id,
        usernames=[t.username for t in desired.traders],
        accounts=_declared_accounts(desired),
    )
    options.out.mkdir(parents=True, exist_ok=True)
    recorder = Recorder(options.out / "log.jsonl", clock=options.clock)
    evidence = Evidence(recorder)
    with _environment(settings, options, recorder) as (environment, caller, credentials, ws):
        ctx = RunContext(
            caller, recorder, evidence, cohort, credentials, settings, ws,
            options.timer, options.sleep,
        )  # fmt: skip
        stopped = ""
        try:
            _stages(ctx, stages)
        except Exception as exc:  # a surprise in one stage must not cost the report or cleanup
            stopped = f"the run stopped: {type(exc).__name__}: {exc}"
        finally:
            clean_up(ctx)
            if 2 in stages:
                penalty_tickets(ctx)
            if 3 in stages:
                security(ctx, (options.out / "log.jsonl").read_text())
    for line in CHECKLIST:
        if line.id not in evidence.outcomes and line.stage in stages:
            if stopped:
                evidence.outcomes[line.id] = LineOutcome(line.id, "fail", stopped)
            else:
                evidence.skip(line.id, "an earlier step failed")
    report = options.out / "report.md"
    report.write_text(
        render_report(
            evidence.outcomes,
            recorder.exchanges,
            environment=environment,
            prefix=cohort.prefix,
            run=run_id,
            started=started.isoformat(timespec="seconds"),
        )
    )
    took = {e.seq: e.milliseconds for e in recorder.exchanges}
    summary = {
        k: {
            "status": o.status,
            "detail": o.detail,
            "calls": len(o.seqs),
            "milliseconds": round(sum(took.get(seq, 0.0) for seq in o.seqs), 1),
        }
        for k, o in evidence.outcomes.items()
    }
    (options.out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return ConformanceResult(dict(evidence.outcomes), report, options.out / "log.jsonl")


def _stages(ctx: RunContext, stages: frozenset[int]) -> None:
    if 1 in stages:
        stage_1(ctx)
    if ctx.caller.token is None:
        ctx.evidence.check("setup", lambda: (login(ctx), "logged in")[1])
        ctx.evidence.outcomes.pop("setup", None)
    if ctx.caller.token is None:
        return
    if 2 in stages:
        try:
            stage_2(ctx)
        except (OSError, TimeoutError, ConformanceFailure, httpx.HTTPError) as exc:
            failure = exc  # bound: the name `exc` is cleared when the handler ends
            ctx.evidence.check("2.1", lambda: _raise(failure))
    if 3 in stages:
        stage_3(ctx)
    elif 4 in stages:
        create_users(ctx, [1, 2, 3])
    if 4 in stages:
        stage_4(ctx)


def _raise(exc: Exception) -> str:
    raise ConformanceFailure(f"{type(exc).__name__}: {exc}")


def _declared_accounts(desired: Desired) -> list[str]:
    names = []
    for trader in desired.traders:
        block = trader.platforms.get("tradovate")
        for account in getattr(block, "accounts", []):
            names.append(account.name)
    return names


@contextmanager
def _environment(
    settings: TradovateSettings, options: ConformanceOptions, recorder: Recorder
) -> Iterator[tuple[str, Caller, Credentials, str]]:
    """(environment name, caller, credentials, WebSocket URL); `sandbox` starts one."""
    with ExitStack() as stack:
        credentials = settings.credentials
        environment = settings.environment
        if environment == "sandbox":
            from reconciler.providers.tradovate.sandbox import (
                DEFAULT_ADMIN,
                SandboxConfig,
                serve_sandbox,
            )

            data = options.sandbox_dir / "tradovate.json"
            server = stack.enter_context(serve_sandbox(SandboxConfig(data_path=data)))
            live_url, demo_url, name = server.live_url, server.demo_url, "sandbox"
            if credentials is None:
                user, password, sec = DEFAULT_ADMIN
                credentials = Credentials(
                    name=user, password=SecretStr(password), sec=SecretStr(sec)
                )
        elif isinstance(environment, Endpoints):
            live_url, demo_url = environment.live_url, environment.demo_url
            name = f"{live_url} / {demo_url}"
        else:
            live_url, demo_url = ENDPOINTS[environment]
            name = environment
        assert credentials is not None  # the settings model requires them off the sandbox

        def client(url: str) -> httpx.Client:
            transport = RecordingTransport(
                recorder, inner=httpx.HTTPTransport(), clock=options.timer
            )
            return stack.enter_context(
                make_http_client(url, timeout=options.timeout, transport=transport)
            )

        caller = Caller(live=client(live_url), demo=client(demo_url), sleep=options.sleep)
        yield name, caller, credentials, websocket_url(live_url)
