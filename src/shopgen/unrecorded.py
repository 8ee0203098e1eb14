"""Repositories from before shopgen recorded schemas (0.1.0): their first revision is kept.

shopgen 0.1.0 kept no `migrations/schema.json` and rendered `0001_initial.py` again on every
sync, so a database it created is at revision 0001 as that file last was. To continue such a
history, the schema that file creates must be known. It is what this shopgen's own first
revision creates for the same spec, minus what came after 0.1.0: the issuer's account
columns (`roles`, `disabled`) and its `refresh_tokens` table. Hence:

- where BASE's `0001_initial.py` is, statement for statement (layout and docstring aside),
  the first revision this shopgen renders for the current spec without those additions (or
  with them), the spec has not changed since it was rendered: that file is kept as history,
  the schema is the spec's without the additions (or with them), and a new revision adds what
  it lacks (`adopt`);
- otherwise (the spec, or the file, changed since) the schema behind 0001 is not known: sync
  says so and renders 0001 again, the old way, only with --allow-destructive.
"""

from __future__ import annotations

import ast
import copy

from shopgen.view.access import ACCOUNT_FIELDS
from shopgen.view.migrations import History
from shopgen.view.schema import REFRESH_TOKENS, Schema

INITIAL = "0001_initial.py"
_ADDED_TABLE_NAMES = frozenset({REFRESH_TOKENS, f"ix_{REFRESH_TOKENS}_family"})


def adopt(
    base_initial: bytes,
    rendered_initial: bytes,
    schema: Schema,
    account_table: str | None,
    history: History,
) -> History | None:
    """The history continuing from BASE's first revision (`history` holds its revisions),
    or None when that revision is not this spec's first revision as 0.1.0 rendered it."""
    recorded = _shape(base_initial)
    if recorded is None:
        return None
    if recorded == _shape(rendered_initial):  # rendered after the additions already
        return History(schema, history.revisions)
    if recorded == _shape(rendered_initial, without_additions_to=account_table):
        return History(_without_additions(schema, account_table), history.revisions)
    return None


def _without_additions(schema: Schema, account_table: str | None) -> Schema:
    older = copy.deepcopy(schema)
    if account_table is not None:
        older["tables"].pop(REFRESH_TOKENS, None)
        columns = older["tables"][account_table]["columns"]
        for name in ACCOUNT_FIELDS:
            columns.pop(name, None)
    return older


def _shape(source: bytes, *, without_additions_to: str | None = None) -> str | None:
    """A revision's statements, independent of layout and docstring; with the additions
    since 0.1.0 taken out when `without_additions_to` names the issuer's account table."""
    try:
        module = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    body = module.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    if without_additions_to is not None:
        for function in body:
            if isinstance(function, ast.FunctionDef):
                function.body = [
                    _without_columns(statement, without_additions_to)
                    for statement in function.body
                    if _first_argument(statement) not in _ADDED_TABLE_NAMES
                ]
    return ast.dump(ast.Module(body=body, type_ignores=[]))


def _first_argument(node: ast.AST) -> object:
    """The constant first argument of a call (`op.drop_table("x")`: "x"), if any."""
    call = node.value if isinstance(node, ast.Expr) else node
    if isinstance(call, ast.Call) and call.args and isinstance(call.args[0], ast.Constant):
        return call.args[0].value
    return None


def _without_columns(statement: ast.stmt, table: str) -> ast.stmt:
    """`op.create_table(table, ...)` without the account columns added since 0.1.0."""
    if _first_argument(statement) == table and isinstance(statement, ast.Expr):
        call = statement.value
        assert isinstance(call, ast.Call)
        call.args = [arg for arg in call.args if _first_argument(arg) not in ACCOUNT_FIELDS]
    return statement
