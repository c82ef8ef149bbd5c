"""The command line: click commands, one module per command group, options and exit codes."""

from __future__ import annotations

from reconciler.cli.main import main

__all__ = ["main"]
