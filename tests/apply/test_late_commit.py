"""A create the platform committed after its answer was given up on: the hand-out's last line
for the trader is the password that logs in, whatever happened in between."""

from __future__ import annotations

import httpx
from pydantic import SecretStr

from reconciler.plan import Address
from reconciler.providers.http import make_http_client
from reconciler.providers.tradovate.client import TradovateClient
from reconciler.providers.tradovate.config import Credentials
from reconciler.providers.tradovate.models import EvaluationUser
from reconciler.providers.tradovate.sandbox import DEFAULT_ADMIN
from reconciler.workspace import open_workspace
from tests.apply.history import Trader
from tests.apply.world import World
from tests.fakes import FakeClock


def logs_in(world: World, name: str, password: str) -> bool:
    url = world.boxes.urls["tradovate"]
    answer = httpx.post(
        f"{url}/live/v1/auth/accesstokenrequest", json={"name": name, "password": password}
    ).json()
    return "accessToken" in answer


def commit_late(world: World, trader: Trader, password: str) -> None:
    """What the platform does with a create it received but answered too late: it is made."""
    url = world.boxes.urls["tradovate"]
    name, admin_password, sec = DEFAULT_ADMIN
    clock = FakeClock()
    client = TradovateClient(
        live=make_http_client(f"{url}/live/v1", timeout=5),
        demo=make_http_client(f"{url}/demo/v1", timeout=5),
        credentials=Credentials(name=name, password=SecretStr(admin_password), sec=SecretStr(sec)),
        clock=clock,
        sleep=clock.sleep,
        jitter=lambda: 1.0,
    )
    user = EvaluationUser(
        name=trader.username,
        email=trader.email,
        password=SecretStr(password),
        first_name="History",
        last_name="Trader",
    )
    (outcome,) = client.create_users([user])
    assert outcome.error_text is None, outcome.error_text
    client.close()


def test_the_last_handed_out_password_logs_in_after_a_late_commit(world: World) -> None:
    trader = Trader(1, frozenset({"tradovate"}))
    world.declare(trader)
    path = "/live/v1/user/createevaluationusers"
    world.boxes.admin("tradovate", "faults", {"path": path, "effect": "reset"})
    assert world.apply().exit_code == 1  # the create's outcome is unknown: it stays pending
    (first,) = world.handout()
    with open_workspace(world.manifests) as workspace, workspace.store.lock(command="test"):
        document = workspace.store.read()
        plan, remote = workspace.plan(document)  # the platform has not made it yet: a create
        commit_late(world, trader, first[4])  # ... and makes it now
        result = workspace.apply(plan, remote, document, sink=lambda event: None)
    assert "User already exists" in result.failed[Address.parse("tradovate_user.t1")]
    assert not logs_in(world, trader.username, world.handout()[-1][4])
    world.converge()
    rows = [row for row in world.handout() if row[0] == trader.name]
    assert len(rows) == 3
    assert logs_in(world, trader.username, rows[-1][4])
