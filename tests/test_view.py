"""The view model's decisions: Python source text, names, types, constraints and test steps."""

from __future__ import annotations

import ast

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shopgen.format import format_python
from shopgen.spec import load_spec, parse_spec
from shopgen.view import ProjectView
from shopgen.view.fields import _regex_sample
from shopgen.view.names import pluralize, snake_case
from shopgen.view.source import py_str, pyrepr
from tests.helpers import EXAMPLE

# A spec of another shape than the example: one service issuing tokens by username, names that
# collide with generated modules and variables, unsampleable patterns, a self-reference.
ODD_SPEC = """\
shopgen: 1
project:
  name: odd
  description: 'Has {{ 7*7 }} and \"\"\" in it'
defaults: {database: sqlite}
services:
  bare: {}
  hub:
    auth: issuer
    calls:
      bare: {timeout: 500ms}
    entities:
      Account:
        fields:
          username: {type: string, unique: true, max_length: 40}
          secret: {type: password, min_length: 8}
          joined: {type: date, default: 2024-01-31}
      Auth:
        fields:
          label: {type: string, pattern: '^[A-Z]{3}$'}
      Status:
        fields:
          weight: {type: decimal, min: 0.5, default: 1}
      Node:
        fields:
          parent_id: {type: ref, to: Node, optional: true}
          owner_id: {type: ref, to: Account}
        filter: [parent_id]
    operations:
      lookup:
        method: GET
        path: /hub/lookup/{code}
        request: {q: {type: string, optional: true}}
        response: {found: boolean, count: {type: integer, min: 0}}
"""


@pytest.fixture(scope="module")
def shop() -> ProjectView:
    return ProjectView(load_spec(EXAMPLE))


@pytest.fixture(scope="module")
def odd() -> ProjectView:
    return ProjectView(parse_spec(ODD_SPEC))


def service(view: ProjectView, name: str):
    return view.service_by_name[name]


def entity(view: ProjectView, service_name: str, name: str):
    return next(e for e in service(view, service_name).entities if e.name == name)


def field(view: ProjectView, service_name: str, entity_name: str, name: str):
    return entity(view, service_name, entity_name).field_by_name[name]


# --- Python source text -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "literal"),
    [
        ("plain", '"plain"'),
        ("it's", '"it\'s"'),
        ('say "hi"', "'say \"hi\"'"),
        ('"""', '\'"""\''),
        ("{{ 7*7 }}", '"{{ 7*7 }}"'),
        ("back\\slash\nnew line", '"back\\\\slash\\nnew line"'),
    ],
)
def test_strings_are_quoted_as_ruff_formats_them(text, literal):
    assert py_str(text) == literal
    assert ast.literal_eval(literal) == text


@given(st.text())
def test_any_string_round_trips_through_its_literal(text):
    assert ast.literal_eval(py_str(text)) == text


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=400))
def test_long_strings_are_pieces_that_concatenate_to_the_text(text):
    value = ast.literal_eval(pyrepr(text))
    assert value == text


def test_a_long_description_is_wrapped_by_ruff_within_the_line_length():
    text = "A description long enough to need wrapping; " * 6 + '{{ 7*7 }} and """ stay.'
    source = f"app = FastAPI(\n    title='x',\n    description={pyrepr(text)},\n)\n"
    out = format_python({"pyproject.toml": b"", "app.py": source.encode()})["app.py"].decode()
    assert all(len(line) <= 100 for line in out.splitlines())
    call = ast.parse(out).body[0].value
    assert ast.literal_eval(call.keywords[1].value) == text


def test_plain_values_become_python_literals():
    assert pyrepr({"name": "Unknown User", "n": [1, 2.5, None, True]}) == (
        '{"name": "Unknown User", "n": [1, 2.5, None, True]}'
    )
    assert pyrepr(float("inf")) == 'float("inf")'


# --- names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "plural"),
    [
        ("category", "categories"),
        ("day", "days"),
        ("box", "boxes"),
        ("status", "statuses"),
        ("address", "addresses"),
        ("person", "people"),
        ("leaf", "leaves"),
        ("knife", "knives"),
        ("hero", "heroes"),
        ("photo", "photos"),
        ("inventory", "inventory"),
        ("order", "orders"),
    ],
)
def test_pluralize(word, plural):
    assert pluralize(word) == plural


def test_snake_case_splits_words_and_acronyms():
    assert snake_case("UserPreference") == "user_preference"
    assert snake_case("HTTPLog") == "http_log"


def test_entity_names_on_the_example(shop):
    preference = entity(shop, "users", "UserPreference")
    assert preference.table == "user_preferences"
    assert preference.collection_path == "/user-preferences"
    assert preference.module == "user_preference"
    assert entity(shop, "products", "Category").collection_path == "/categories"


def test_router_modules_and_variables_avoid_generated_names(odd):
    assert entity(odd, "hub", "Auth").module == "auth_routes"
    assert entity(odd, "hub", "Status").variable == "item"
    assert service(odd, "hub").routers == [
        "auth",
        "operations",
        "account",
        "auth_routes",
        "status",
        "node",
    ]


# --- columns and schemas ----------------------------------------------------------------------


def test_column_types_and_options(shop):
    price = field(shop, "products", "Product", "price")
    assert price.column_type == "sa.Numeric(12, 2)"
    assert price.mapped_type == "decimal.Decimal"
    assert [c.expression for c in price.checks] == ['sa.column("price") >= 0']
    stock = field(shop, "products", "Product", "stock")
    assert stock.server_default == '"0"'
    assert field(shop, "products", "Product", "name").column_type == "sa.String(200)"
    assert field(shop, "products", "Category", "name").column_type == "sa.String(255)"
    assert field(shop, "users", "User", "email").column_type == "sa.String(320)"
    assert field(shop, "products", "Product", "description").column_type == "sa.Text()"
    category = field(shop, "products", "Product", "category_id")
    assert category.foreign_key == 'sa.ForeignKey("categories.id", ondelete="SET NULL")'
    owner = field(shop, "users", "UserPreference", "user_id")
    assert owner.foreign_key == 'sa.ForeignKey("users.id", ondelete="CASCADE")'
    assert field(shop, "orders", "Order", "items").column_type == "sa.JSON()"


def test_enums_are_strings_with_a_check_and_a_str_enum_schema(shop):
    status = field(shop, "orders", "Order", "status")
    assert status.column_type == "sa.String(17)"  # the longest value, payment_confirmed
    assert status.enum.class_name == "OrderStatus"
    assert status.declaration == "status: OrderStatus = OrderStatus.CREATED"
    assert status.checks[0].name == "status_values"
    assert status.server_default == '"created"'


def test_schema_fields_carry_the_constraints(shop):
    assert field(shop, "products", "Product", "price").declaration == (
        "price: Decimal = Field(ge=0, max_digits=12, decimal_places=2)"
    )
    assert field(shop, "products", "Product", "stock").declaration == (
        "stock: int = Field(default=0, ge=0)"
    )
    assert field(shop, "users", "User", "email").declaration == "email: EmailStr"
    assert field(shop, "orders", "Order", "cancel_reason").declaration == (
        "cancel_reason: str | None = Field(default=None, max_length=255)"
    )
    items = field(shop, "orders", "Order", "items")
    assert items.declaration == "items: list[OrderItem]"
    assert [f.name for f in items.item_fields] == ["product_id", "quantity", "price"]


def test_update_fields_may_be_left_out_but_required_ones_not_nulled(shop):
    name = field(shop, "products", "Product", "name")
    assert name.update_declaration == "name: str = Field(default=None, max_length=200)"
    description = field(shop, "products", "Product", "description")
    assert description.update_declaration == "description: str | None = None"


def test_passwords_are_write_only(shop):
    user = entity(shop, "users", "User")
    assert [f.name for f in user.password_fields] == ["password"]
    assert "password" not in [f.name for f in user.public_fields]
    assert user.field_by_name["password"].column == "password_hash"


def test_defaults_are_values_of_the_field_type(odd):
    assert field(odd, "hub", "Status", "weight").default_source == 'Decimal("1")'
    joined = field(odd, "hub", "Account", "joined")
    assert joined.default_source == 'dt.date.fromisoformat("2024-01-31")'


def test_migration_constraints_match_the_naming_convention(shop):
    product = entity(shop, "products", "Product")
    constraints = "\n".join(product.migration_constraints)
    assert 'name=op.f("pk_products")' in constraints
    assert 'name=op.f("fk_products_category_id_categories")' in constraints
    assert 'name=op.f("ck_products_price_min")' in constraints
    assert [name for name, _ in product.migration_indexes] == ["ix_products_category_id"]
    order = service(shop, "products").tables_in_order
    assert [e.table for e in order] == ["categories", "products"]


# --- auth, operations, clients ----------------------------------------------------------------


def test_the_issuer_entity_logs_in_by_email_or_a_unique_string(shop, odd):
    users = service(shop, "users").issuer
    assert (users.entity.name, users.login_field.name) == ("User", "email")
    hub = service(odd, "hub").issuer
    assert (hub.entity.name, hub.login_field.name, hub.password_field.name) == (
        "Account",
        "username",
        "secret",
    )
    assert service(shop, "products").issuer is None


def test_operations(odd, shop):
    lookup = service(odd, "hub").operations[0]
    assert lookup.request_in_query
    assert lookup.path_params == ["code"]
    assert lookup.parameters == ["code: str", "request: LookupRequest"]
    assert lookup.stand_in_return == "return schemas.LookupResponse(found=False, count=0)"
    validate = service(shop, "products").operations[0]
    assert not validate.request_in_query  # a list in the request: it travels as a JSON body


def test_clients_follow_the_calls(shop):
    users, products = service(shop, "orders").clients
    assert (users.class_name, users.timeout, users.retries) == ("UsersClient", "2", 2)
    assert users.breaker == (3, "30")
    assert users.fallback == '{"name": "Unknown User"}'
    assert products.fallback is None
    assert [name for _, name in products.entities] == ["Category", "Product"]
    assert [f.client_type for f in products.operations[0][0].request_fields] == [
        "list[dict[str, Any]]"
    ]


# --- what the generated tests can do ------------------------------------------------------------


def test_samples_satisfy_the_constraints(shop, odd):
    product = entity(shop, "products", "Product")
    assert dict(product.sample_fields) == {
        "name": '"name"',
        "price": '"1.00"',
        "description": '"description"',
    }
    assert product.sample_refs == [("category_id", "category")]
    username = field(odd, "hub", "Account", "username")
    assert username.sample == 'f"username-{uuid.uuid4().hex[:31]}"'
    assert ("price", '"-1"') in product.invalid_payloads


def test_patterned_samples_are_built_from_the_pattern(odd):
    assert field(odd, "hub", "Auth", "label").sample == '"AAA"'
    assert _regex_sample(r"^[A-Z]{2}-\d{4}$") == "AA-1111"
    assert _regex_sample(r"^(foo|bar)+$") == "foo"
    assert _regex_sample(r"^[^a]+$") is None  # negated classes: no sample, no generated test


def test_untestable_entities_are_left_out_of_the_generated_tests(odd):
    hub = service(odd, "hub")
    assert [e.name for e in hub.testable_entities] == ["Account", "Auth", "Status", "Node"]
    # Node's optional self-reference is left out of its sample.
    assert entity(odd, "hub", "Node").sample_refs == [("owner_id", "account")]
    unsampleable = parse_spec(ODD_SPEC.replace("'^[A-Z]{3}$'", "'^[^\\w-]+$'"))
    assert "Auth" not in [e.name for e in ProjectView(unsampleable).services[1].testable_entities]


def test_system_test_steps_follow_the_routes(shop, odd):
    steps = shop.system_test
    assert (steps.register_url, steps.login_url) == ("/api/users/register",
                                                     "/api/users/login")  # fmt: skip
    assert steps.public_url == "/api/products" and steps.public_search == "NAME"
    assert steps.protected_url == "/api/protected/orders"
    assert not steps.mints_token
    # No routes: nothing can go through the gateway.
    none = odd.system_test
    assert (none.issuer, none.public_entity, none.protected_url, none.rate_limited_url) == (
        None,
        None,
        None,
        None,
    )


def test_routes_reach_every_path_of_their_service(shop):
    mounts = {m.prefix: (m.service, m.rewrite, m.auth_required) for m in shop.gateway_mounts}
    # The prefix's own segment names a collection: it stays the route's base.
    assert mounts["/api/products"] == ("products", "/products", False)
    assert mounts["/api/users"] == ("users", "/users", False)
    # Other collections, read models and saga state hang under the route, natural paths.
    assert mounts["/api/products/categories"] == ("products", "/categories", False)
    assert mounts["/api/users/user-preferences"] == ("users", "/user-preferences", False)
    assert mounts["/api/protected/orders/order-summaries"][1:] == ("/order-summaries", True)
    assert mounts["/api/protected/orders/daily-sales"][1:] == ("/daily-sales", True)
    assert mounts["/api/protected/orders/sagas"][1:] == ("/sagas", True)
    # A prefix naming no path of its service leads to its only collection.
    assert mounts["/api/protected/shipping"] == ("shipping", "/shipments", True)
    # Every path a routed service serves is reachable, and each gateway path is listed once.
    for route in shop.routes:
        for path in route.service.served_paths:
            assert route.public_path(path), (route.prefix, path)
    assert len(mounts) == len(shop.gateway_mounts)
    haproxy_order = [m.prefix for m in shop.gateway_mounts_longest_first]
    assert haproxy_order.index("/api/products/categories") < haproxy_order.index("/api/products")


def test_a_route_with_public_methods_keeps_them_on_every_mount():
    spec = parse_spec(
        (EXAMPLE.read_text()).replace(
            "- {prefix: /api/products, service: products}",
            "- {prefix: /api/products, service: products, auth: required,"
            " public_methods: [GET, HEAD]}",
        )
    )
    mounts = [m for m in ProjectView(spec).gateway_mounts if m.service == "products"]
    assert {m.prefix for m in mounts} == {"/api/products", "/api/products/categories"}
    assert all(m.auth_required and m.public_methods == ("GET", "HEAD") for m in mounts)
