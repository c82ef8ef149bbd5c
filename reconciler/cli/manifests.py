"""`reconciler schema` and `reconciler fmt`: editor support and tidy manifest files."""

from __future__ import annotations

import difflib
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import click

from reconciler.collector import quiet_gc
from reconciler.errors import ManifestError
from reconciler.manifest import FormatCache, format_manifest, manifest_schema, schema_text
from reconciler.providers import schemas

SUFFIXES = (".yaml", ".yml")


@click.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of manifest documents (Firm, Trader, a list of traders), for
    editors: save it beside the manifests and point a `# yaml-language-server: $schema=...`
    modeline at it."""
    click.echo(schema_text(schemas()), nl=False)


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path, exists=True))
@click.option(
    "--check",
    is_flag=True,
    help="Change nothing: list the files that are not formatted and exit 1 if there are any.",
)
@click.option("--diff", "show_diff", is_flag=True, help="Also print the changes as a diff.")
@click.pass_context
def fmt(ctx: click.Context, paths: tuple[Path, ...], check: bool, show_diff: bool) -> None:
    """Normalise manifest files (default: the --manifests directory): keys in a stable order,
    comments and layout kept; formatting twice changes nothing."""
    roots = paths or (Path(ctx.find_root().params["manifests"]),)
    schema = manifest_schema(schemas())
    changed: list[Path] = []
    problems: list[ManifestError] = []
    files = sorted(set(_files(roots)))
    noted = FormatCache.default(os.environ)  # files an earlier run found formatted
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
            if noted is not None and noted.is_formatted(text):
                continue
            with quiet_gc():  # a large file's nodes: many objects in no cycle, freed with it
                formatted = format_manifest(text, schema, path=str(path))
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(ManifestError(f"cannot read the file: {exc}", path=str(path)))
            continue
        except ManifestError as exc:
            problems.append(exc)
            continue
        if formatted == text:
            if noted is not None:
                noted.remember(text)
            continue
        changed.append(path)
        if show_diff:
            _print_diff(path, text, formatted)
        if check:
            click.echo(f"would reformat {path}")
        else:
            _write(path, formatted)
            click.echo(f"reformatted {path}")
    for problem in problems:
        click.echo(problem.located(), err=True)
    unchanged = len(files) - len(changed) - len(problems)
    verb = "would be reformatted" if check else "reformatted"
    click.echo(f"{len(changed)} file(s) {verb}, {unchanged} already formatted.", err=True)
    if problems or (check and changed):
        sys.exit(1)


def _files(roots: Sequence[Path]) -> Iterator[Path]:
    for root in roots:
        if root.is_dir():
            yield from (p for p in root.rglob("*") if p.suffix in SUFFIXES and p.is_file())
        else:
            yield root


def _print_diff(path: Path, before: str, after: str) -> None:
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=f"{path} (before)",
        tofile=f"{path} (formatted)",
    )
    click.echo("".join(lines), nl=False)


def _write(path: Path, text: str) -> None:
    """Replace the file through a temporary one, keeping its permissions."""
    temporary = path.with_name(f".{path.name}.fmt.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        temporary.chmod(path.stat().st_mode & 0o7777)
        temporary.replace(path)
    except OSError as exc:
        raise click.ClickException(f"cannot write {path}: {exc.strerror}") from None


__all__ = ["fmt", "schema_command"]
