"""Safe YAML loading that remembers where every key and item came from.

PyYAML's parser and composer are used as they are; the node graph is turned into plain Python
values here, by hand, so that:

- scalars follow the YAML 1.2 core schema (`on`, `yes`, `no` stay strings, `1:30` is not 90,
  dates stay strings); only `true`/`false` are booleans;
- every mapping key and sequence item gets a line number (`SourceMap`);
- nothing but plain data can come out (no tags, no Python objects);
- duplicate keys, non-string keys, merge keys and over-expanding aliases are rejected with
  a located `Issue` instead of being silently resolved.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

from shopgen.errors import Issue, SpecError, UserInputError

MAX_SPEC_BYTES = 1024 * 1024  # a 50-service spec is ~100 KB; anything far larger is a mistake
MAX_DEPTH = 40  # the deepest real spec path is about 12 levels
MAX_ALIASES = 100  # anchors are handy for repeated field definitions...
MAX_VALUES = 100_000  # ...but may not expand into a bomb

Path_ = tuple[str | int, ...]

_TAG = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL = (_TAG + t for t in ("str", "int", "float", "bool", "null"))
MAP, SEQ = _TAG + "map", _TAG + "seq"


class _Core12Resolver(BaseResolver):
    """The YAML 1.2 core schema: no yes/no/on/off booleans, no sexagesimals, no timestamps."""


for _tag, _regexp in [
    (NULL, r"^(?:~|null|Null|NULL|)$"),
    (BOOL, r"^(?:true|True|TRUE|false|False|FALSE)$"),
    (INT, r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
    (
        FLOAT,
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
    ),
]:
    # `first=None` registers the resolver for every first character.
    _Core12Resolver.add_implicit_resolver(_tag, re.compile(_regexp), None)


class _Loader(Reader, Scanner, Parser, Composer, _Core12Resolver):
    """Composes a node graph only; construction is `_Builder`'s job."""

    def __init__(self, text: str):
        Reader.__init__(self, text)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        _Core12Resolver.__init__(self)
        self.aliases = 0
        self.depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        # The composer recurses once per nesting level: cap it before Python's stack does.
        if self.check_event(AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                mark = self.peek_event().start_mark
                raise _Located(
                    mark.line + 1,
                    f"more than {MAX_ALIASES} aliases (*name); aliases are capped to keep "
                    "alias bombs out, so write the values out",
                )
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise _Located(mark.line + 1, f"nested more than {MAX_DEPTH} levels deep")
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


class _Located(Exception):
    def __init__(self, line: int | None, message: str, key: Path_ = ()):
        super().__init__(message)
        self.line = line
        self.message = message
        self.key = key


@dataclass
class SourceMap:
    """Line numbers of every mapping key and sequence item, by key path."""

    lines: dict[Path_, int] = field(default_factory=dict)

    def line(self, path: Iterable[str | int]) -> int | None:
        """The line of `path`, or of its closest ancestor that appears in the file."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)

    def line_of_dotted(self, dotted: str) -> int | None:
        """Look a path up by its dotted form (event names contain dots, so this is a scan)."""
        for path, line in self.lines.items():
            if dotted_path(path) == dotted:
                return line
        return None


def dotted_path(path: Iterable[str | int]) -> str:
    return ".".join(str(part) for part in path)


class _Builder:
    """Turns composed nodes into dicts, lists and scalars, filling a SourceMap."""

    def __init__(self, uses_aliases: bool) -> None:
        self.uses_aliases = uses_aliases
        self.source = SourceMap()
        self.values = 0
        self.active: set[int] = set()  # nodes being built: an alias to one of them is a loop

    def build(self, node: Node, path: Path_) -> Any:
        self.values += 1
        if self.values > MAX_VALUES:
            message = f"the document has more than {MAX_VALUES} values"
            if self.uses_aliases:
                message = (
                    f"the document expands to more than {MAX_VALUES} values through its "
                    "aliases (an alias bomb?); write the values out instead"
                )
            raise _Located(self.source.line(path[:1]), message, path)
        if id(node) in self.active:
            raise _Located(node.start_mark.line + 1, "an alias refers to itself", path)
        if isinstance(node, ScalarNode):
            return self._scalar(node, path)
        self.active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                return self._sequence(node, path)
            return self._mapping(node, path)
        finally:
            self.active.discard(id(node))

    def _sequence(self, node: SequenceNode, path: Path_) -> list[Any]:
        if node.tag != SEQ:
            raise _Located(node.start_mark.line + 1, f"unsupported tag {node.tag}", path)
        items = []
        for index, item in enumerate(node.value):
            self.source.lines.setdefault((*path, index), item.start_mark.line + 1)
            items.append(self.build(item, (*path, index)))
        return items

    def _mapping(self, node: MappingNode, path: Path_) -> dict[str, Any]:
        if node.tag != MAP:
            raise _Located(node.start_mark.line + 1, f"unsupported tag {node.tag}", path)
        result: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if key_node.tag == _TAG + "merge" or (
                isinstance(key_node, ScalarNode)
                and key_node.value == "<<"
                and key_node.style is None
            ):
                raise _Located(line, "merge keys (<<) are not supported; write the keys out", path)
            key = self.build(key_node, path)
            if not isinstance(key, str):
                raise _Located(
                    line,
                    f"keys must be text, not {_kind(key)} ({_shown(key)}); quote the key",
                    path,
                )
            if key in result:
                raise _Located(
                    line,
                    f"duplicate key {key!r} (first defined on line {first_line[key]})",
                    (*path, key),
                )
            first_line[key] = line
            self.source.lines.setdefault((*path, key), line)
            result[key] = self.build(value_node, (*path, key))
        return result

    def _scalar(self, node: ScalarNode, path: Path_) -> Any:
        value, tag, line = node.value, node.tag, node.start_mark.line + 1
        try:
            if tag == STR:
                return value
            if tag == NULL:
                if not re.fullmatch(r"~|null|Null|NULL|", value):
                    raise ValueError
                return None
            if tag == BOOL:
                return {"true": True, "false": False}[value.lower()]
            if tag == INT:
                return int(value, 0) if value[:2] in ("0x", "0o") else int(value, 10)
            if tag == FLOAT:
                return _float(value)
        except (ValueError, KeyError):
            raise _Located(
                line, f"{value!r} is not a valid {tag.removeprefix(_TAG)}", path
            ) from None
        raise _Located(line, f"unsupported tag {tag}; write plain values", path)


def _float(text: str) -> float:
    special = text.lower().lstrip("+-")
    if special in (".inf", ".nan"):
        number = float(special[1:])
        return -number if text.startswith("-") else number
    return float(text)


def _kind(value: Any) -> str:
    return {bool: "a boolean", int: "a number", float: "a number", type(None): "null"}.get(
        type(value), "a list or mapping"
    )


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return "null" if value is None else str(value)


def load_yaml(text: str, file: Path | None = None) -> tuple[Any, SourceMap]:
    """Parse one YAML document into plain data and its source map, or raise SpecError."""
    size = len(text.encode("utf-8", errors="surrogatepass"))
    if size > MAX_SPEC_BYTES:
        raise SpecError(
            [Issue(file, None, "", f"the spec is {size} bytes; the limit is {MAX_SPEC_BYTES}")]
        )
    loader = None
    try:
        loader = _Loader(text)  # the reader already rejects characters YAML does not allow
        node = loader.get_single_node()
        if node is None:
            return None, SourceMap()
        builder = _Builder(uses_aliases=loader.aliases > 0)
        builder.source.lines[()] = node.start_mark.line + 1
        data = builder.build(node, ())
        return data, builder.source
    except _Located as exc:
        raise SpecError([Issue(file, exc.line, dotted_path(exc.key), exc.message)]) from None
    except yaml.MarkedYAMLError as exc:
        raise SpecError([_yaml_issue(exc, file)]) from None
    except yaml.YAMLError as exc:  # ReaderError: a character YAML does not allow
        raise SpecError([_reader_issue(exc, text, file)]) from None
    except RecursionError:  # the parser's own recursion, for pathological flow collections
        raise SpecError([Issue(file, None, "", "the YAML is nested too deeply")]) from None
    finally:
        if loader is not None:
            loader.dispose()


def _yaml_issue(exc: yaml.MarkedYAMLError, file: Path | None) -> Issue:
    mark = exc.problem_mark or exc.context_mark
    if exc.context == "expected a single document in the stream":
        message = "only one YAML document is allowed (remove the second '---' and what follows)"
    else:
        message = "malformed YAML: " + " ".join(part for part in (exc.context, exc.problem) if part)
    if mark is not None:
        message += f" (line {mark.line + 1}, column {mark.column + 1})"
    return Issue(file, mark.line + 1 if mark else None, "", message)


def _reader_issue(exc: yaml.YAMLError, text: str, file: Path | None) -> Issue:
    position = getattr(exc, "position", None)
    line = text.count("\n", 0, position) + 1 if isinstance(position, int) else None
    character = text[position] if isinstance(position, int) and position < len(text) else ""
    code = f"U+{ord(character):04X}" if character else "a control character"
    return Issue(file, line, "", f"the character {code} is not allowed in YAML")


def read_spec_text(path: Path) -> str:
    """Read a spec file as UTF-8 text; a missing file or bad encoding is a user error."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_SPEC_BYTES + 1)
    except FileNotFoundError:
        raise UserInputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UserInputError(f"{path}: is a folder, not a spec file") from None
    except OSError as exc:
        raise UserInputError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    if len(data) > MAX_SPEC_BYTES:
        raise SpecError(
            [Issue(path, None, "", f"the spec is larger than the limit of {MAX_SPEC_BYTES} bytes")]
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SpecError(
            [
                Issue(
                    path,
                    line,
                    "",
                    f"the file is not valid UTF-8 (byte 0x{data[exc.start]:02x} at line {line}, "
                    f"column {column})",
                    "save the file as UTF-8",
                )
            ]
        ) from None
