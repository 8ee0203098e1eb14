"""The view model: every decision about the generated code, made once in Python.

Templates receive these objects and only lay their values out. Facts derived from the spec are
`cached_property`s, so a template never recomputes or re-decides anything.

Templates and the view write plain Python on one line and import what a file may need; the
pinned ruff then sorts the imports, drops the unused ones and lays the code out
(`shopgen.format`). Every value from the spec that lands in Python source goes through `pyrepr`,
never raw: a description holding `{{ 7*7 }}` or `\"\"\"` comes out as a literal string.

Modules, from the bottom up (a module imports only from those below it; pyproject.toml's
`[tool.importlinter]` checks it): `source` (values as source text, the template filters) and
`names`, `fields`, `access`, `entities`, `operations` (operations, issuer, clients) and `events`
(events, sagas, read models), `schema` and `migrations`, `services`, `testing` (what generated
tests exercise), `deploy` and `diagrams`, `project` (the root).
"""

from shopgen.view.names import python_name
from shopgen.view.project import ProjectView
from shopgen.view.source import FILTERS

__all__ = ["FILTERS", "ProjectView", "python_name"]
