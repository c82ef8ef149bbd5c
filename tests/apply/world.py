"""Three standing sandboxes, a model of the manifests and a CLI runner on them: the world of
the tests of interrupted creates."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from reconciler.cli import main
from tests.apply.history import Model, Sandboxes, Trader, check_converged, firm_yaml

CREATES = {
    "traderpal": ("POST", "/v1/users"),
    "tradervue": ("POST", "/api/v1/users"),
    "tradovate": ("POST", "/live/v1/user/createevaluationusers"),
}


class World:
    """Three sandboxes, a model of the manifests and a CLI runner on them."""

    def __init__(self, boxes: Sandboxes, root: Path) -> None:
        self.boxes = boxes
        self.root = root
        self.model = Model()
        self.manifests = root / "manifests"
        self.manifests.mkdir(parents=True)
        (self.manifests / "firm.yaml").write_text(firm_yaml(boxes))

    def declare(self, trader: Trader) -> None:
        self.model.traders[trader.name] = trader
        self.model.write(self.manifests)

    def handout(self) -> list[list[str]]:
        """Rows of the generated-passwords file, header excluded."""
        path = self.root / "state" / "generated-passwords.csv"
        with path.open(newline="") as file:
            return list(csv.reader(file))[1:]

    def run(self, *args: str) -> Result:
        command = ["--no-color", "--manifests", str(self.manifests), *args]
        return CliRunner().invoke(main, command, catch_exceptions=False)

    def apply(self) -> Result:
        return self.run("apply", "--auto-approve")

    def lose_create_answer(self, platform: str) -> None:
        method, path = CREATES[platform]
        body = {"method": method, "path": path, "effect": "reset", "after_processing": True}
        self.boxes.admin(platform, "faults", body)

    def pending(self) -> dict[str, Any]:
        path = self.root / "state" / "default.state.json"
        return dict(json.loads(path.read_text())["pending"])

    def converge(self) -> None:
        self.boxes.settle()
        applied = self.apply()
        assert applied.exit_code == 0, applied.output
        planned = self.run("plan", "--detailed-exitcode")
        assert planned.exit_code == 0, applied.output + planned.output
        check_converged(self.boxes, self.model, self.root)
