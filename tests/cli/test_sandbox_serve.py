"""`reconciler sandbox serve`: what it prints is enough to point one's own client at each
sandbox (every REST and WebSocket URL, the seeded logins), and each printed value works."""

from __future__ import annotations

import io
import json
import re
import shutil
import sys
import textwrap
from pathlib import Path

import httpx
import pytest
import yaml
from click.testing import CliRunner
from websockets.sync.client import connect

from reconciler.cli import main
from reconciler.cli import sandbox as sandbox_commands


def printed(label: str, output: str) -> str:
    """The value printed after `<label>: ` (the first such line)."""
    match = re.search(rf"^  {re.escape(label)}: (.+)$", output, re.MULTILINE)
    assert match is not None, f"{label!r} not printed:\n{output}"
    return match.group(1)


def fields(text: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in text.split())


def check_tradovate(output: str) -> None:
    section = output[output.index("tradovate sandbox:") :]
    login = fields(printed("login (Sandbox Prop admin)", section))
    live = printed("LIVE REST", section)
    body = {"name": login["name"], "password": login["password"], "sec": login["sec"], "cid": 0}
    token = httpx.post(f"{live}/auth/accesstokenrequest", json=body).json()["accessToken"]
    for label in ("LIVE WebSocket", "DEMO WebSocket"):
        with connect(printed(label, section), ping_interval=None) as ws:
            assert ws.recv(timeout=5) == "o"
            ws.send(f"authorize\n0\n\n{json.dumps(token)}")
            frame = str(ws.recv(timeout=5))
            while frame == "h":
                frame = str(ws.recv(timeout=5))
            assert json.loads(frame[1:]) == [{"s": 200, "i": 0}]
    demo = printed("DEMO REST", section)
    accounts = httpx.get(f"{demo}/account/list", headers={"Authorization": f"Bearer {token}"})
    assert accounts.status_code == 200
    assert printed("market-data WebSocket", section) == "not served (out of scope)"
    assert "login (Other Prop admin)" in section


def check_tradervue(output: str) -> None:
    section = output[output.index("tradervue sandbox:") : output.index("tradovate sandbox:")]
    login = fields(printed("login (sandbox-prop manager, HTTP Basic)", section))
    response = httpx.get(
        printed("API", section) + "/users", auth=(login["username"], login["password"])
    )
    assert response.status_code == 200


def check_traderpal(output: str) -> None:
    section = output[output.index("traderpal sandbox:") : output.index("tradervue sandbox:")]
    header = printed("API key (write, default partner)", section)
    name, _, value = header.partition(": ")
    response = httpx.get(printed("API", section) + "/v1/users", headers={name: value})
    assert response.status_code == 200


def test_serve_prints_every_url_and_login_a_client_needs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[str] = []

    def while_serving() -> None:
        sys.stdout.flush()
        buffer = sys.stdout.buffer
        assert isinstance(buffer, io.BytesIO)  # CliRunner captures into one
        output = buffer.getvalue().decode()
        check_traderpal(output)
        check_tradervue(output)
        check_tradovate(output)
        checked.append(output)
        raise KeyboardInterrupt

    monkeypatch.setattr(sandbox_commands, "wait_for_interrupt", while_serving)
    result = CliRunner().invoke(
        main, ["sandbox", "--data-dir", str(tmp_path), "serve"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert checked, result.output
    assert result.output.endswith("Stopped.\n")
    ws = re.findall(r"ws://127\.0\.0\.1:\d+/(live|demo)/v1/websocket", result.output)
    assert sorted(ws) == ["demo", "live"]


EXAMPLES = Path(__file__).resolve().parents[2] / "manifests"


def firm_settings(output: str) -> dict[str, dict[str, object]]:
    """The `providers.<name> of the Firm manifest` blocks serve prints, parsed as YAML."""
    blocks = re.findall(
        r"^  providers\.(\w+) of the Firm manifest[^\n]*:\n((?:    .+\n)+)", output, re.MULTILINE
    )
    return {name: yaml.safe_load(textwrap.dedent(body)) for name, body in blocks}


def test_the_printed_firm_settings_validate_and_plan_the_examples(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The example Firm pointed at a standing sandbox with what serve prints, nothing else."""
    shutil.copytree(EXAMPLES, tmp_path / "manifests")
    firm_file = tmp_path / "manifests" / "firm.yaml"
    outputs: list[str] = []

    def while_serving() -> None:
        sys.stdout.flush()
        buffer = sys.stdout.buffer
        assert isinstance(buffer, io.BytesIO)
        settings = firm_settings(buffer.getvalue().decode())
        assert sorted(settings) == ["traderpal", "tradervue", "tradovate"]
        firm = yaml.safe_load(firm_file.read_text(encoding="utf-8"))
        for name, values in settings.items():
            firm["providers"][name].update(values)
        firm_file.write_text(yaml.safe_dump(firm, sort_keys=False), encoding="utf-8")
        for command in ("validate", "plan"):
            result = CliRunner().invoke(
                main, ["--no-color", "--manifests", str(tmp_path / "manifests"), command]
            )
            outputs.append(result.output)
            assert result.exit_code == 0, result.output
        raise KeyboardInterrupt

    monkeypatch.setattr(sandbox_commands, "wait_for_interrupt", while_serving)
    result = CliRunner().invoke(
        main, ["sandbox", "--data-dir", str(tmp_path / "standing"), "serve"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert "The manifests are valid: 3 trader(s)" in outputs[0]
    assert "+ tradervue_user.alice (create)" in outputs[1]
    assert not (tmp_path / "state" / "sandbox").exists()  # planned on the standing sandboxes
