"""Render the built-in copier template into memory: `{relative path: bytes}`.

shopgen renders `templates/` itself with one sandboxed jinja environment, configured from the
template's own `copier.yml`, because copier's `run_copy` costs about 4 ms per file (a git
subprocess per file) against about 1 ms here; `tests/test_render_copier.py` proves copier renders
the same tree. Rendering happens entirely in memory, so a template error never leaves a
half-written repository behind.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from jinja2 import StrictUndefined, Template, TemplateError, UndefinedError, nodes
from jinja2.ext import Extension
from jinja2.parser import Parser
from jinja2.sandbox import SandboxedEnvironment

from shopgen.errors import ShopgenError


class TemplateRenderError(ShopgenError):
    """A template failed to render: a defect in shopgen's or a team's template."""


def builtin_templates() -> Path:
    """The templates folder: shipped inside the wheel, or at the repository root when editable."""
    packaged = resources.files("shopgen") / "templates"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "templates"


class ShopgenExtension(Extension):
    """Registers shopgen's filters, so copier (`_jinja_extensions`) renders like shopgen does."""

    def __init__(self, environment: SandboxedEnvironment):
        super().__init__(environment)
        from shopgen.view import FILTERS  # the view model owns how values become source text

        environment.filters.update(FILTERS)


class YieldExtension(Extension):
    """Copier's `{% yield item from items %}…{% endyield %}` tag, for path names.

    Rendering a path part with the tag records the loop variable and iterable; the caller then
    renders the part once per item. Copier's own extension is private API, hence this copy.
    """

    tags = {"yield"}  # noqa: RUF012

    def __init__(self, environment: SandboxedEnvironment):
        super().__init__(environment)
        environment.extend(last_yield=None)

    def parse(self, parser: Parser) -> nodes.Node:
        lineno = next(parser.stream).lineno
        target = parser.parse_assign_target(name_only=True)
        parser.stream.expect("name:from")
        iterable = parser.parse_expression()
        body = parser.parse_statements(("name:endyield",), drop_needle=True)
        call = self.call_method("_record", [nodes.Const(target.name), iterable])
        return nodes.CallBlock(call, [], [], body, lineno=lineno)

    def _record(self, name: str, iterable: Iterable[Any], caller: Callable[[], str]) -> str:
        self.environment.last_yield = (name, list(iterable))  # type: ignore[attr-defined]
        try:
            return caller()
        except UndefinedError:
            return ""


@dataclass(frozen=True)
class TemplateConfig:
    """The parts of `copier.yml` that affect rendering."""

    root: Path  # the folder holding copier.yml
    subdirectory: str = ""
    suffix: str = ".jinja"
    envops: Mapping[str, Any] | None = None
    exclude: tuple[str, ...] = ()

    @classmethod
    def load(cls, root: Path) -> TemplateConfig:
        try:
            data = yaml.safe_load((root / "copier.yml").read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise TemplateRenderError(f"cannot read {root / 'copier.yml'}: {exc}") from exc
        return cls(
            root=root,
            subdirectory=data.get("_subdirectory", ""),
            suffix=data.get("_templates_suffix", ".jinja"),
            envops=data.get("_envops", {}),
            exclude=tuple(data.get("_exclude", ())),
        )

    @property
    def source(self) -> Path:
        return self.root / self.subdirectory


class Renderer:
    """Renders one copier-format template with a given context."""

    def __init__(self, template_root: Path | None = None):
        self.config = TemplateConfig.load(template_root or builtin_templates())
        self._compiled: dict[Path, Template] = {}

    @cached_property
    def env(self) -> SandboxedEnvironment:
        options = {"keep_trailing_newline": True, **(self.config.envops or {})}
        return SandboxedEnvironment(
            undefined=StrictUndefined,
            autoescape=False,
            extensions=[YieldExtension, ShopgenExtension],
            **options,
        )

    def render(self, context: Mapping[str, Any]) -> dict[str, bytes]:
        files: dict[str, bytes] = {}
        for source in self._sources():
            relative = source.relative_to(self.config.source)
            is_template = source.name.endswith(self.config.suffix)
            parts = relative.parts
            if is_template:
                parts = (*parts[:-1], parts[-1][: -len(self.config.suffix)])
            for path, extra in self._expand(parts, (), dict(context), relative):
                files[_checked(path, relative)] = self._content(source, is_template, extra)
        return dict(sorted(files.items()))

    def _sources(self) -> Iterator[Path]:
        for path in sorted(self.config.source.rglob("*")):
            relative = path.relative_to(self.config.source).as_posix()
            excluded = any(fnmatch.fnmatch(relative, p) for p in self.config.exclude)
            if path.is_file() and not excluded and "__pycache__" not in path.parts:
                yield path

    def _expand(
        self, parts: tuple[str, ...], done: tuple[str, ...], context: dict[str, Any], source: Path
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        """Render path parts one by one; a part with a yield tag forks once per item."""
        if not parts:
            yield "/".join(done), context
            return
        part, rest = parts[0], parts[1:]
        self.env.last_yield = None  # type: ignore[attr-defined]
        rendered = self._render_string(part, context, source)
        if self.env.last_yield is None:  # type: ignore[attr-defined]
            if rendered:  # an empty part switches the file or folder off
                yield from self._expand(rest, (*done, rendered), context, source)
            return
        name, items = self.env.last_yield  # type: ignore[attr-defined]
        for item in items:
            item_context = {**context, name: item}
            if rendered := self._render_string(part, item_context, source):
                yield from self._expand(rest, (*done, rendered), item_context, source)

    def _render_string(self, text: str, context: Mapping[str, Any], source: Path) -> str:
        if "{" not in text:
            return text
        try:
            return self.env.from_string(text).render(context)
        except TemplateError as exc:
            raise TemplateRenderError(f"template path {source}: {exc}") from exc

    def _template(self, source: Path) -> Template:
        """Compile each template once, however many files it renders (one per service...)."""
        if source not in self._compiled:
            code = self.env.compile(source.read_text(encoding="utf-8"), filename=str(source))
            self._compiled[source] = self.env.template_class.from_code(
                self.env, code, self.env.globals
            )
        return self._compiled[source]

    def _content(self, source: Path, is_template: bool, context: Mapping[str, Any]) -> bytes:
        if not is_template:
            return source.read_bytes()
        try:
            return self._template(source).render(context).encode("utf-8")
        except TemplateError as exc:
            line = getattr(exc, "lineno", None) or _template_line(exc, str(source))
            where = f"{source}:{line}" if line else str(source)
            raise TemplateRenderError(f"template {where}: {exc}") from exc


def _template_line(exc: BaseException, filename: str) -> int | None:
    """The template line of a runtime error: jinja rewrites tracebacks to template lines."""
    line, tb = None, exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _checked(path: str, source: Path) -> str:
    """Refuse rendered paths that could escape the destination (defence in depth: names in the
    spec are already restricted to a safe alphabet)."""
    pure = PurePosixPath(path)
    if (
        not path
        or pure.is_absolute()
        or "\\" in path
        or any(part in ("", ".", "..", ".git") for part in path.split("/"))
    ):
        raise TemplateRenderError(f"template {source} renders to an unsafe path: {path!r}")
    return path


def render_project(
    context: Mapping[str, Any], template_root: Path | None = None
) -> dict[str, bytes]:
    """Render the whole repository for a view model context."""
    return Renderer(template_root).render(context)
