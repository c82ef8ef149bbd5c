"""`--format github` for validate, plan and drift: chosen by itself inside GitHub Actions
(`GITHUB_ACTIONS=true` and stdout not a terminal) unless `--format` is given; manifest
problems and refusals printed as workflow-command annotations on stdout."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from reconciler.errors import ManifestError, ManifestErrors, ReconcilerError

if TYPE_CHECKING:
    from reconciler.render import AnnotatedProblem

F = TypeVar("F", bound=Callable[..., Any])
REVIEW_FORMATS = ("text", "markdown", "json", "github")


def review_format_option(*, formats: Sequence[str] = REVIEW_FORMATS) -> Callable[[F], F]:
    """`--format` among `formats` as `output_format`; unset, github inside GitHub Actions
    when stdout is not a terminal, else text."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(formats),
        default=None,
        callback=_default_format,
        help="text for a terminal, markdown for a pull-request comment, json for scripts, "
        "github for annotations on the pull request's lines "
        "[default: github when GITHUB_ACTIONS=true and stdout is not a terminal, else text].",
    )


def _default_format(_: click.Context, __: click.Parameter, value: str | None) -> str:
    if value is not None:
        return value
    if os.environ.get("GITHUB_ACTIONS") == "true" and not sys.stdout.isatty():
        return "github"
    return "text"


def repository_root(cwd: Path) -> Path:
    """Where annotation paths start: $GITHUB_WORKSPACE, else the git work tree holding `cwd`,
    else `cwd`."""
    workspace = os.environ.get("GITHUB_WORKSPACE")
    if workspace:
        return Path(workspace).resolve()
    for folder in (cwd, *cwd.parents):
        if (folder / ".git").exists():
            return folder
    return cwd


def problems_of(errors: Sequence[ManifestError]) -> list[AnnotatedProblem]:
    """Manifest errors as problems whose files are relative to the repository root."""
    from reconciler.render import AnnotatedProblem, relative_file

    cwd = Path.cwd().resolve()
    root = repository_root(cwd)
    return [
        AnnotatedProblem(relative_file(e.path, root=root, cwd=cwd), e.line, e.column, e.message)
        for e in errors
    ]


@contextmanager
def annotated_errors(output_format: str, *, title: str) -> Iterator[None]:
    """With `github`, print an error leaving the block as annotations on stdout too (manifest
    problems each on their line, a refusal as one `::error`); the error then goes on as usual."""
    try:
        yield
    except ReconcilerError as exc:
        if output_format == "github":
            click.echo(_annotations(exc, title=title), nl=False)
        raise


def print_problems(exc: ManifestError, output_format: str) -> None:
    """Manifest problems on stdout as a JSON list or annotations (text: nothing here, the
    error report on stderr lists them)."""
    from reconciler.render import render_problems_github, render_problems_json

    errors = exc.errors if isinstance(exc, ManifestErrors) else [exc]
    if output_format == "json":
        click.echo(render_problems_json(problems_of(errors)))
    elif output_format == "github":
        click.echo(render_problems_github(problems_of(errors), title=_VALIDATE), nl=False)


_VALIDATE = "reconciler validate: manifest"


def _annotations(exc: ReconcilerError, *, title: str) -> str:
    from reconciler.render import annotation, render_problems_github

    if isinstance(exc, ManifestErrors):
        return render_problems_github(problems_of(exc.errors), title=f"{title}: manifest")
    if isinstance(exc, ManifestError):
        return render_problems_github(problems_of([exc]), title=f"{title}: manifest")
    return annotation("error", str(exc), title=title) + "\n"


__all__ = [
    "REVIEW_FORMATS",
    "annotated_errors",
    "print_problems",
    "problems_of",
    "repository_root",
    "review_format_option",
]
