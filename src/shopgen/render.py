"""Render the built-in copier template into memory: `{relative path: bytes}`.

shopgen renders `templates/` itself with one sandboxed jinja environment, configured from the
template's own `copier.yml`, because copier's `run_copy` costs about 4 ms per file (a git
subprocess per file) against about 1 ms here;
`tests/test_packaging.py::test_copier_renders_the_builtin_templates_like_shopgen` proves copier
renders the same tree (both through `shopgen.format`). Rendering happens entirely in memory, so
a template error never leaves a half-written repository behind.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import pickle
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import suppress
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path, PurePosixPath
from types import CodeType
from typing import Any

import jinja2
import yaml
from jinja2 import StrictUndefined, Template, TemplateError, UndefinedError, nodes
from jinja2.bccache import FileSystemBytecodeCache
from jinja2.ext import Extension
from jinja2.parser import Parser
from jinja2.sandbox import SandboxedEnvironment

from shopgen import builtin
from shopgen.cache import cache_root
from shopgen.errors import ShopgenError


class TemplateRenderError(ShopgenError):
    """A template failed to render: a defect in shopgen's or a team's template."""


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
    """Renders one copier-format template with a given context.

    `overrides` is a project's folder of replacements (`templates:` in the spec): a file there
    at the same relative path as a template file is rendered in its place (shopgen.overrides).
    """

    def __init__(self, template_root: Path | None = None, overrides: Path | None = None):
        self.config = TemplateConfig.load(template_root or builtin.builtin_templates())
        self.overrides = overrides

    def template_files(self) -> list[str]:
        """The template's files, relative to its source folder (POSIX paths)."""
        return [p.relative_to(self.config.source).as_posix() for p in self._sources()]

    @cached_property
    def _compiler(self) -> _Compiler:
        return _compiler_for(json.dumps(self.config.envops or {}, sort_keys=True))

    @property
    def env(self) -> SandboxedEnvironment:
        return self._compiler.env

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
            return self._path_template(text).render(context)
        except TemplateError as exc:
            raise TemplateRenderError(f"template path {source}: {exc}") from exc

    def _path_template(self, text: str) -> Template:
        return self._compiler.path_template(text)

    def _template(self, source: Path) -> Template:
        return self._compiler.template(source)

    def _content(self, source: Path, is_template: bool, context: Mapping[str, Any]) -> bytes:
        if self.overrides is not None:
            override = self.overrides / source.relative_to(self.config.source)
            source = override if override.is_file() else source
        if not is_template:
            return source.read_bytes()
        try:
            return self._template(source).render(context).encode("utf-8")
        except TemplateError as exc:
            line = getattr(exc, "lineno", None) or _template_line(exc, str(source))
            where = f"{source}:{line}" if line else str(source)
            raise TemplateRenderError(f"template {where}: {exc}") from exc


class _Compiler:
    """One jinja environment and what it compiled, shared by every render in this process:
    each template and path part is compiled once, however many files, services and renders
    use it (compiling is most of a render's cost)."""

    def __init__(self, envops: Mapping[str, Any]):
        self._envops = json.dumps(envops, sort_keys=True)
        self.env = SandboxedEnvironment(
            undefined=StrictUndefined,
            autoescape=False,
            extensions=[YieldExtension, ShopgenExtension],
            **{"keep_trailing_newline": True, **envops},
        )
        self._paths: dict[str, Template] = {}
        self._templates: dict[tuple[str, str], Template] = {}

    def path_template(self, text: str) -> Template:
        if text not in self._paths:
            self._paths[text] = self.env.from_string(text)
        return self._paths[text]

    def template(self, source: Path) -> Template:
        """By file and content: a file edited meanwhile (an override) is compiled afresh."""
        key = (str(source), source.read_text(encoding="utf-8"))
        if key not in self._templates:
            code = self._code(*key)
            self._templates[key] = self.env.template_class.from_code(
                self.env, code, self.env.globals
            )
        return self._templates[key]

    def _code(self, filename: str, text: str) -> CodeType:
        """The template compiled to Python, from jinja's bytecode cache in shopgen's cache
        folder when an earlier process compiled the same text: a fresh process (each `new`
        and `sync`) would otherwise spend most of its render compiling."""
        bucket = None
        if self._bytecode is not None:
            try:
                bucket = self._bytecode.get_bucket(self.env, self._namespace + filename, None, text)
            except (OSError, EOFError, ValueError, TypeError, pickle.UnpicklingError):
                bucket = None  # a damaged cache file: compiled afresh
            if bucket is not None and bucket.code is not None:
                return bucket.code
        code = self.env.compile(text, filename=filename)
        if bucket is not None:
            bucket.code = code
            with suppress(OSError):  # a read-only cache folder only costs time
                self._bytecode.set_bucket(bucket)
        return code

    @cached_property
    def _namespace(self) -> str:
        """What else the compiled code depends on besides the template's text (the cache keys
        on that): jinja's version, the environment's options and this module's extensions."""
        digest = hashlib.sha256(f"{jinja2.__version__}\0{self._envops}\0".encode())
        digest.update(Path(__file__).read_bytes())
        return digest.hexdigest() + ":"

    @cached_property
    def _bytecode(self) -> FileSystemBytecodeCache | None:
        folder = cache_root() / "jinja"
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            return None
        return FileSystemBytecodeCache(str(folder))


@cache
def _compiler_for(envops: str) -> _Compiler:
    """The compiler for the environment options `envops` (copier.yml's, as JSON)."""
    return _Compiler(json.loads(envops))


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
    context: Mapping[str, Any], template_root: Path | None = None, overrides: Path | None = None
) -> dict[str, bytes]:
    """Render the whole repository for a view model context."""
    return Renderer(template_root, overrides).render(context)
