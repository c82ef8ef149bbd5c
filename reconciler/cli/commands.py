"""The commands loaded only when run (so `--help` imports none of their code): where each
lives, and the first sentence `--help` lists for it (a test keeps it equal to the docstring)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

LAZY_COMMANDS: Mapping[str, tuple[str, str, str]] = MappingProxyType(
    {  # name: (module, attribute, the command's first sentence, for --help)
        "fmt": (
            "reconciler.cli.manifests",
            "fmt",
            "Normalise manifest files (default: the --manifests directory): keys in a stable "
            "order, comments and layout kept; formatting twice changes nothing.",
        ),
        "apply": (
            "reconciler.cli.apply",
            "apply",
            "Plan, confirm, and make the platforms match the manifests.",
        ),
        "conformance": (
            "reconciler.cli.conformance",
            "conformance",
            "Run Tradovate conformance Stages 1-4 with a throwaway cohort, always cleaning it up, "
            "and write log.jsonl (every call, secrets redacted), report.md and summary.json.",
        ),
        "handout": (
            "reconciler.cli.handout",
            "handout",
            "Generated passwords, sealed to the firm's public key and kept with the state.",
        ),
        "status": (
            "reconciler.cli.status",
            "status",
            "The onboarding funnel: a summary per platform, then one line per trader and platform "
            "(created, waiting for the Market Data Agreement signature and since when, entitled, "
            "identity verification pending or verified, offboarded).",
        ),
        "history": (
            "reconciler.cli.history",
            "history",
            "The audit trail of TRADER (or of the whole workspace): every action applied, when, "
            "by whom, from which plan and commit, with the platform's ids and the outcome.",
        ),
        "import": (
            "reconciler.cli.state",
            "import_object",
            "Adopt the platform's object REMOTE_ID as the declared ADDRESS "
            "(checked by natural key).",
        ),
        "sandbox": (
            "reconciler.cli.faults",
            "sandbox",
            "Run the platform emulators and act on them from outside reconciler.",
        ),
        "schema": (
            "reconciler.cli.manifests",
            "schema_command",
            "Print the JSON Schema of manifest documents (Firm, Trader, a list of traders), for "
            "editors: save it beside the manifests and point a `# yaml-language-server: "
            "$schema=...` modeline at it.",
        ),
        "state": (
            "reconciler.cli.state",
            "state",
            "Inspect, repair, move, pull or push the recorded state.",
        ),
        "watch": (
            "reconciler.cli.watch",
            "watch",
            "Keep the platforms matching the manifests: apply at start, entitle traders the "
            "moment they sign (from the platform's event stream), and apply manifest changes as "
            "files change or on SIGHUP.",
        ),
    }
)

__all__ = ["LAZY_COMMANDS"]
