"""The view model: every decision about the generated code, made once in Python.

Templates receive these objects and only lay their values out. Facts derived from the spec are
`cached_property`s, so a template never recomputes or re-decides anything.

Generated code must pass `ruff format --check` as rendered, so the few declarations whose length
depends on the spec (columns, schema fields, long strings) are laid out here by `pycall` and
`kwarg`, the way ruff would lay them out. Every value from the spec that lands in Python source
goes through `pyrepr` (or `kwarg`), never raw: a description holding `{{ 7*7 }}` or `\"\"\"` comes
out as a literal string.

Modules, from the bottom up: `source` (values as source text, the template filters), `names`,
`fields`, `entities`, `operations` (operations, issuer, clients), `events` (events, sagas, read
models), `testing` (what generated tests exercise), `services`, `deploy`, `project` (the root).
"""

from shopgen.view.names import python_name
from shopgen.view.project import ProjectView
from shopgen.view.source import FILTERS

__all__ = ["FILTERS", "ProjectView", "python_name"]
