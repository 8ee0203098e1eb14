"""The `shopgen` command. Commands are thin: each body calls one function of the library.

Errors become exit codes in one place, `main()`: 0 success, 1 conflicts or drift, 2 invalid
input. Tracebacks appear only with SHOPGEN_DEBUG=1.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from shopgen import __version__, console
from shopgen.errors import ShopgenError, SpecError

app = typer.Typer(
    name="shopgen",
    help="Generate and regenerate runnable microservice repositories from a YAML spec.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)

SpecOption = Annotated[
    Path,
    typer.Option("--spec", "-s", help="The spec file.", envvar="SHOPGEN_SPEC", dir_okay=False),
]


def _version(value: bool) -> None:
    if value:
        console.out.print(f"shopgen {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """shopgen: from a spec of business capabilities to a running microservice system."""


@app.command()
def new(
    name: Annotated[str, typer.Argument(help="Folder to create (the repository's name).")],
    spec: Annotated[
        Path | None, typer.Option("--spec", "-s", help="The spec file.", dir_okay=False)
    ] = None,
    example: Annotated[
        str | None, typer.Option(help="Start from a bundled example instead: ecommerce.")
    ] = None,
    force: Annotated[bool, typer.Option(help="Write into a non-empty folder.")] = False,
) -> None:
    """Create a new repository from a spec."""
    from shopgen.generate import create_project, example_overlay, example_spec

    if (spec is None) == (example is None):
        raise typer.BadParameter("give exactly one of --spec FILE or --example NAME")
    spec_path = spec if spec is not None else example_spec(example or "")
    overlay = example_overlay(example) if example else None
    with console.err.status("Generating…"):
        result = create_project(Path(name), spec_path, force=force, overlay=overlay)
    _print_new_summary(result)


def _print_new_summary(result) -> None:
    view = result.view
    table = Table(title=f"{view.title} — {len(view.services)} services", title_justify="left")
    for column in ("service", "port", "database", "description"):
        table.add_column(column)
    for service in view.services:
        table.add_row(service.name, str(service.port), service.database, service.description)
    console.out.print(table)
    console.success(f"wrote {result.files} files to {result.root}")
    console.out.print(
        "\nNext steps:\n"
        f"  cd {result.root}\n"
        "  make install dev    # the whole system in one process, gateway on "
        f"http://127.0.0.1:{view.gateway_port}\n"
        "  make test           # its tests\n"
        "  shopgen sync        # after editing shopgen.yaml"
    )


@app.command()
def validate(
    spec: Annotated[Path, typer.Argument(help="The spec file.", dir_okay=False)] = Path(
        "shopgen.yaml"
    ),
) -> None:
    """Check a spec and report every problem, located by file, line and key."""
    from shopgen.spec import load_spec

    loaded = load_spec(spec)
    console.success(
        f"{spec} is valid: {len(loaded.services)} services, {len(loaded.events)} events, "
        f"{len(loaded.sagas)} sagas"
    )


@app.command()
def schema() -> None:
    """Print the spec language's JSON Schema (for editors)."""
    from shopgen.spec import json_schema

    sys.stdout.write(json.dumps(json_schema(), indent=2) + "\n")


def main() -> None:
    """Entry point: run the app and turn errors into exit codes."""
    try:
        code = app(standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except SpecError as exc:
        console.error(f"invalid spec ({len(exc.issues)} problem(s)):")
        for issue in exc.issues:
            console.err.print(f"  {issue}", markup=False, highlight=False)
        _exit(exc, exc.exit_code)
    except ShopgenError as exc:
        console.error(str(exc))
        _exit(exc, exc.exit_code)
    except typer.Abort:
        console.err.print("Aborted.")
        sys.exit(130)
    except KeyboardInterrupt:
        console.err.print("Interrupted.")
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:  # click usage errors and the like
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            sys.exit(2)
        raise


def _exit(exc: BaseException, code: int) -> None:
    if console.debug_enabled():
        raise exc
    sys.exit(code)
