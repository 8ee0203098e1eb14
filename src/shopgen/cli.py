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

from shopgen import __version__, console
from shopgen.errors import ShopgenError, SpecError

app = typer.Typer(
    name="shopgen",
    help="Generate and regenerate runnable microservice repositories from a YAML spec.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


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
    from rich.table import Table  # imported by the commands that print one (start-up time)

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
    from shopgen.spec import load_spec_with_warnings

    loaded, warnings = load_spec_with_warnings(spec)
    for issue in warnings:
        console.warning(str(issue))
    console.success(
        f"{spec} is valid: {len(loaded.services)} services, {len(loaded.events)} events, "
        f"{len(loaded.sagas)} sagas"
    )


@app.command()
def schema() -> None:
    """Print the spec language's JSON Schema (for editors)."""
    from shopgen.spec import json_schema

    sys.stdout.write(json.dumps(json_schema(), indent=2) + "\n")


RootOption = Annotated[
    Path,
    typer.Option(
        "--path", "-C", help="The generated repository (default: found upwards).", file_okay=False
    ),
]


@app.command()
def sync(
    path: RootOption = Path("."),
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show every action and diff; write nothing.")
    ] = False,
    check: Annotated[
        bool, typer.Option("--check", help="Exit 1 if the repository and the spec disagree.")
    ] = False,
    prune: Annotated[
        bool, typer.Option(help="Also delete files no longer generated that you modified.")
    ] = False,
    allow_destructive: Annotated[
        bool,
        typer.Option(
            "--allow-destructive",
            help="Write migration revisions that drop or narrow columns or tables.",
        ),
    ] = False,
) -> None:
    """Re-render from shopgen.yaml and merge the result into the repository."""
    from shopgen.sync import find_root, sync_project

    root = find_root(path)
    result = sync_project(
        root, dry_run=dry_run or check, prune=prune, allow_destructive=allow_destructive
    )
    if check:
        _report_check(result)
    else:
        _report_migrations(result, dry_run=dry_run)
        _report_sync(result, dry_run=dry_run)


def _report_migrations(result, *, dry_run: bool) -> None:
    """The new revisions, their destructive steps, and the refusal when not allowed."""
    from shopgen.errors import UserInputError

    view = result.view
    revisions = [s for s in view.services if s.new_revision] if view is not None else []
    for service in revisions:
        revision = service.new_revision
        verb = "would add" if dry_run or result.refused else "adds"
        console.out.print(
            f"migration: {verb} services/{service.module}/migrations/versions/{revision.file}",
            markup=False,
        )
        for line in revision.summary_lines:
            console.out.print(f"  {line}", markup=False)
    if result.destructive and (result.refused or dry_run):
        console.warning("destructive schema changes (they drop or narrow data):")
        for step in result.destructive:
            console.err.print(f"  {step}", markup=False)
    if result.refused and not dry_run:
        raise UserInputError(
            "nothing written: the spec change drops or narrows data in a database. Check the "
            "steps above (`shopgen sync --dry-run` prints the revision), back up the data, "
            "then run `shopgen sync --allow-destructive`."
        )


def _report_check(result) -> None:
    drift = result.plan.drift
    if not drift and not result.renamed:
        console.success("the repository matches shopgen.yaml")
        return
    console.error(f"the repository and shopgen.yaml disagree ({len(drift)} file(s)):")
    for path in drift:
        console.err.print(f"  {path}", markup=False)
    console.err.print("Run `shopgen sync` (or `shopgen sync --dry-run` to preview).")
    raise typer.Exit(1)


def _report_sync(result, *, dry_run: bool) -> None:
    from rich.syntax import Syntax

    from shopgen.merge import action_diff

    plan = result.plan
    for old, new in result.renamed:
        verb = "would move" if dry_run else "moved"
        console.out.print(f"{verb} {old} → {new} (with your edits)", markup=False)
    for path, module in result.stale_imports:
        console.warning(
            f"{path} still imports services.{module}, renamed: update the import by hand"
        )
    shown = [a for a in plan.actions if a.changes_disk or a.kind.value in ("orphan", "keep")]
    if not shown and not result.renamed:
        console.success("nothing to do: the repository matches shopgen.yaml")
        return
    from rich.table import Table

    table = Table(title="Dry run: nothing written" if dry_run else "Sync", title_justify="left")
    for column in ("action", "path", "why"):
        table.add_column(column)
    styles = {
        "conflict": "error",
        "binary-conflict": "error",
        "orphan": "warning",
        "overwrite-managed": "warning",
    }
    for action in shown:
        style = styles.get(action.kind.value, "")
        table.add_row(
            f"[{style}]{action.kind.value}[/]" if style else action.kind.value,
            action.path,
            action.reason,
        )
    console.out.print(table)
    if dry_run:
        for action in shown:
            if diff := action_diff(action):
                console.out.print(
                    Syntax(diff, "diff", theme="ansi_dark", background_color="default")
                )
    if plan.conflicts:
        console.error(
            f"{len(plan.conflicts)} conflict(s): resolve the marked sections, then run sync again:"
        )
        for action in plan.conflicts:
            console.err.print(f"  {action.path}", markup=False)
        raise typer.Exit(1)
    if not dry_run:
        console.success(f"{len(plan.changes)} file(s) updated")


@app.command("resolve-merge")
def resolve_merge(path: RootOption = Path(".")) -> None:
    """Finish a git merge of two synced branches: rebuild .shopgen/ from the merged spec and
    files, and join the branches' migration heads with a merge revision."""
    from shopgen.resolve import resolve_merge as resolve
    from shopgen.sync import find_root

    result = resolve(find_root(path))
    for written in result.merge_revisions:
        console.out.print(f"migration: adds {written} (joins both branches' heads)", markup=False)
    console.success(
        f".shopgen/ rebuilt from the merged shopgen.yaml ({result.files} files); "
        "now `git add -A` and commit the merge"
    )


@app.command("add-service")
def add_service(
    name: Annotated[str, typer.Argument(help="The new service's name, e.g. payments.")],
    capability: Annotated[str | None, typer.Option(help="The capability it belongs to.")] = None,
    database: Annotated[
        str | None, typer.Option(help="postgresql, mysql or sqlite (default: the spec's).")
    ] = None,
    description: Annotated[str | None, typer.Option(help="One line on what it does.")] = None,
    entity: Annotated[str | None, typer.Option(help="A first entity, e.g. Payment.")] = None,
    field: Annotated[
        list[str] | None, typer.Option("--field", "-f", help="name:type for the first entity.")
    ] = None,
    path: RootOption = Path("."),
) -> None:
    """Add a service to shopgen.yaml (keeping its comments and layout), then sync."""
    from shopgen import specedit
    from shopgen.sync import find_root

    root = find_root(path)
    specedit.add_service(
        root / "shopgen.yaml",
        name,
        capability=capability,
        database=database,
        description=description,
        entity=entity,
        fields=field,
    )
    console.success(f"added service {name} to shopgen.yaml")
    _sync_after_edit(root)


@app.command("add-entity")
def add_entity(
    service: Annotated[str, typer.Argument(help="The service that owns the entity.")],
    name: Annotated[str, typer.Argument(help="The entity, e.g. Review.")],
    field: Annotated[
        list[str], typer.Option("--field", "-f", help="name:type (repeat); name:type? = optional")
    ],
    path: RootOption = Path("."),
) -> None:
    """Add an entity to a service in shopgen.yaml, then sync."""
    from shopgen import specedit
    from shopgen.sync import find_root

    root = find_root(path)
    specedit.add_entity(root / "shopgen.yaml", service, name, field)
    console.success(f"added entity {name} to {service}")
    _sync_after_edit(root)


@app.command("remove-service")
def remove_service(
    name: Annotated[str, typer.Argument(help="The service to remove.")],
    path: RootOption = Path("."),
) -> None:
    """Remove a service (and its routes) from shopgen.yaml, then sync. Files you modified are
    kept and reported."""
    from shopgen import specedit
    from shopgen.sync import find_root

    root = find_root(path)
    specedit.remove_service(root / "shopgen.yaml", name)
    console.success(f"removed service {name} from shopgen.yaml")
    _sync_after_edit(root)


def _sync_after_edit(root: Path) -> None:
    from shopgen.sync import sync_project

    result = sync_project(root)
    _report_migrations(result, dry_run=False)
    _report_sync(result, dry_run=False)


@app.command()
def graph(
    spec: Annotated[Path, typer.Argument(help="The spec file.", dir_okay=False)] = Path(
        "shopgen.yaml"
    ),
    only: Annotated[
        str | None,
        typer.Option("--only", help="Only diagrams whose title contains this, e.g. saga."),
    ] = None,
) -> None:
    """Print Mermaid diagrams of the spec: capabilities, dependencies, events, sagas."""
    from shopgen.spec import load_spec
    from shopgen.view import ProjectView

    diagrams = ProjectView(load_spec(spec)).diagrams.all()
    for title, text in diagrams.items():
        if only is None or only.lower() in title.lower():
            sys.stdout.write(f"## {title}\n\n```mermaid\n{text.rstrip()}\n```\n\n")


@app.command()
def doctor(path: RootOption = Path(".")) -> None:
    """Check this machine and the repository: tools, local servers, spec, conflicts, drift."""
    from rich.markup import escape
    from rich.table import Table

    from shopgen.doctor import run_checks
    from shopgen.errors import UserInputError
    from shopgen.sync import find_root

    try:
        root = find_root(path)
    except UserInputError:
        root = None  # outside a generated repository: machine checks only
    checks = run_checks(root)
    table = Table(title="shopgen doctor", title_justify="left")
    for column in ("check", "status", "detail"):
        table.add_column(column)
    styles = {"ok": "success", "warn": "warning", "fail": "error"}
    for check in checks:
        detail = escape(check.detail)
        if check.hint and not check.ok:
            detail += f"\n[muted]→ {escape(check.hint)}[/]"
        table.add_row(escape(check.name), f"[{styles[check.status]}]{check.status}[/]", detail)
    console.out.print(table)
    if any(check.failed for check in checks):
        raise typer.Exit(1)


templates_app = typer.Typer(
    help="The built-in template files, and a project's overrides of them.", no_args_is_help=True
)
app.add_typer(templates_app, name="templates")


@templates_app.command("list")
def templates_list(
    spec: Annotated[Path, typer.Argument(help="The spec file.", dir_okay=False)] = Path(
        "shopgen.yaml"
    ),
    overridden: Annotated[
        bool, typer.Option("--overridden", help="Only the files the project overrides.")
    ] = False,
) -> None:
    """List the built-in template files (paths to use in the `templates:` folder) and which
    the spec's overrides folder replaces. Without a spec file, lists the built-in files."""
    from shopgen.overrides import overrides_folder, template_files
    from shopgen.spec import load_spec

    folder = overrides_folder(load_spec(spec), spec) if spec.is_file() else None
    console.err.print(
        f"overrides folder: {folder}" if folder else "no `templates:` folder in the spec",
        markup=False,
    )
    for file in template_files(folder):  # one plain line each: paths are long, and copied
        if file.overridden or not overridden:
            sys.stdout.write(f"{'overridden' if file.overridden else 'built-in':<11} {file.path}\n")


def main() -> None:
    """Entry point. Typer reports usage errors itself (exit 2); shopgen's own errors become
    exit codes here."""
    try:
        app()
    except SpecError as exc:
        console.error(f"invalid spec ({len(exc.issues)} problem(s)):")
        for issue in exc.issues:
            console.err.print(f"  {issue}", markup=False, highlight=False)
        _exit(exc, exc.exit_code)
    except ShopgenError as exc:
        console.error(str(exc))
        _exit(exc, exc.exit_code)
    except KeyboardInterrupt:
        console.err.print("Interrupted.")
        sys.exit(130)


def _exit(exc: BaseException, code: int) -> None:
    if console.debug_enabled():
        raise exc
    sys.exit(code)
