"""Valid specs load into the model; names stay safe; the JSON Schema fits; garbage fails cleanly."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shopgen.errors import SpecError
from shopgen.spec import json_schema, load_spec, parse_spec
from shopgen.spec.loader import load_yaml
from shopgen.spec.model import snake_case

VALID = ["single_sqlite.yaml", "chain12.yaml", "template_injection.yaml"]


def test_the_example_loads(example_spec: Path) -> None:
    spec = load_spec(example_spec)
    assert list(spec.services) == ["users", "products", "orders", "payments", "shipping"]
    assert spec.services["orders"].calls["users"].timeout == 2.0
    assert spec.services["orders"].calls["users"].breaker.reset_timeout == 30.0
    assert spec.gateway.rate_limit.per == 900.0
    assert spec.sagas["checkout"].on_failure.copy_ == {"cancel_reason": "reason"}
    password = spec.services["users"].entities["User"].fields["password"]
    assert password.type == "password"  # the bare-type shorthand


@pytest.mark.parametrize("name", VALID)
def test_fixture_specs_are_valid(specs_dir: Path, name: str) -> None:
    load_spec(specs_dir / name)


def test_single_sqlite_uses_every_field_type(specs_dir: Path) -> None:
    spec = load_spec(specs_dir / "single_sqlite.yaml")
    (service,) = spec.services.values()
    used = {field.type for entity in service.entities.values() for field in entity.fields.values()}
    assert used == {
        "string", "text", "integer", "decimal", "float", "boolean", "uuid", "email", "date",
        "datetime", "password", "enum", "ref", "list", "json",
    }  # fmt: skip


def test_chain12_is_a_chain_of_twelve(specs_dir: Path) -> None:
    spec = load_spec(specs_dir / "chain12.yaml")
    names = list(spec.services)
    assert len(names) == 12
    for caller, callee in pairwise(names):
        assert list(spec.services[caller].calls) == [callee]
    assert len(spec.sagas["place-purchase"].steps) == 3


def test_template_syntax_in_free_text_is_kept_verbatim(specs_dir: Path) -> None:
    spec = load_spec(specs_dir / "template_injection.yaml")
    assert spec.project.title == "{{ 7*7 }} Shop {% raw %}"
    assert spec.services["notes"].entities["Note"].fields["title"].default == "{{ 7*7 }}"


@pytest.mark.parametrize(
    "name",
    [
        "../etc", "a/b", "a..b", "{{x}}", "{%x%}", "a b", "users\n", "Users", "usérs",
        "u\u0455ers",  # a Cyrillic 's'
        "import", "class-", "-a", "a--b", "gateway", "",
    ],
)  # fmt: skip
def test_unsafe_service_names_are_refused(name: str) -> None:
    text = f"shopgen: 1\nproject: {{name: p}}\nservices:\n  {name!r}: {{}}\n"
    with pytest.raises(SpecError) as raised:
        parse_spec(text)
    assert raised.value.issues[0].key.startswith("services")


@pytest.mark.parametrize(
    ("where", "name"),
    [
        ("entity", "None"), ("entity", "Base"), ("entity", "Order\n"), ("entity", "Ordér"),
        ("field", "class"), ("field", "id"), ("field", "json"), ("field", "total\n"),
        ("field", "__init__"), ("field", "a.b"),
    ],
)  # fmt: skip
def test_unsafe_entity_and_field_names_are_refused(where: str, name: str) -> None:
    entity, field = ("Thing", name) if where == "field" else (name, "title")
    text = (
        "shopgen: 1\nproject: {name: p}\nservices:\n  s:\n    entities:\n"
        f"      {entity!r}:\n        fields: {{{field!r}: string}}\n"
    )
    with pytest.raises(SpecError):
        parse_spec(text)


def _spec(services: dict, **top) -> str:
    """A spec as JSON text (JSON is YAML), so odd strings need no YAML quoting."""
    return json.dumps({"shopgen": 1, "project": {"name": "p"}, "services": services, **top})


@pytest.mark.parametrize("prefix", ["/api/x\n", "/api/..", "/api/{{x}}", "api/x", "/api/X", "/"])
def test_unsafe_route_prefixes_are_refused(prefix: str) -> None:
    with pytest.raises(SpecError) as raised:
        parse_spec(_spec({"s": {}}, gateway={"routes": [{"prefix": prefix, "service": "s"}]}))
    assert [issue.key for issue in raised.value.issues] == ["gateway.routes.0.prefix"]


@pytest.mark.parametrize("path", ["/x/{id}\n", "/x/../y", "/x/{{id}}", "/x/{id}/{id}", "x"])
def test_unsafe_operation_paths_are_refused(path: str) -> None:
    with pytest.raises(SpecError) as raised:
        parse_spec(_spec({"s": {"operations": {"op": {"path": path}}}}))
    assert [issue.key for issue in raised.value.issues] == ["services.s.operations.op.path"]


def test_soft_keywords_are_valid_field_names() -> None:
    spec = parse_spec(
        "shopgen: 1\nproject: {name: p}\nservices:\n  s:\n    entities:\n"
        "      Thing: {fields: {type: string, match: string, case: string}}\n"
    )
    assert list(spec.services["s"].entities["Thing"].fields) == ["type", "match", "case"]


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("{type: integer, default: many}", "not a valid integer"),
        ("{type: integer, min: 1, default: 0}", "below min"),
        ("{type: list, of: ref}", "cannot hold 'ref'"),
        ("{type: boolean, default: 1}", "not a valid boolean"),
    ],
)
def test_field_options_must_fit_the_type(field: str, message: str) -> None:
    text = (
        "shopgen: 1\nproject: {name: p}\nservices:\n  s:\n    entities:\n"
        f"      Thing: {{fields: {{x: {field}}}}}\n"
    )
    with pytest.raises(SpecError, match=message):
        parse_spec(text)


def test_snake_case_of_entity_names() -> None:
    assert snake_case("Order") == "order"
    assert snake_case("OrderItem") == "order_item"
    assert snake_case("URLMap") == "url_map"
    assert snake_case("Item2Part") == "item2_part"


def test_json_schema_is_valid_and_accepts_the_specs(example_spec: Path, specs_dir: Path) -> None:
    schema = json_schema()
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)
    for path in [example_spec, *(specs_dir / name for name in VALID)]:
        data, _ = load_yaml(path.read_text(encoding="utf-8"))
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]
        assert errors == [], path.name


def test_json_schema_catches_a_type_typo() -> None:
    validator = jsonschema.Draft202012Validator(json_schema())
    spec = {"shopgen": 1, "project": {"name": "p"}, "services": {"s": {"entities": {"T": {
        "fields": {"a": "strin"}}}}}}  # fmt: skip
    assert not validator.is_valid(spec)
    spec["services"]["s"]["entities"]["T"]["fields"]["a"] = "string"
    assert validator.is_valid(spec)
    spec["services"]["S"] = spec["services"].pop("s")  # names are checked by the schema too
    assert not validator.is_valid(spec)


_yamlish = st.text(
    alphabet=st.sampled_from([*list("abcxyz019 :-[]{},&*!|>'\"#%@`\n\t.?~<="), "\x00", "é"]),
    max_size=200,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=200), _yamlish))
def test_garbage_never_raises_anything_but_spec_error(text: str) -> None:
    try:
        parse_spec(text)
    except SpecError as error:
        assert error.issues
        assert all(issue.message for issue in error.issues)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)  # the fixture only returns a constant path
@given(data=st.data())
def test_mutated_example_never_raises_anything_but_spec_error(data, example_spec: Path) -> None:
    text = example_spec.read_text(encoding="utf-8")
    position = data.draw(st.integers(0, len(text)))
    insert = data.draw(st.text(max_size=12))
    cut = data.draw(st.integers(0, 20))
    try:
        parse_spec(text[:position] + insert + text[position + cut :])
    except SpecError as error:
        assert error.issues
