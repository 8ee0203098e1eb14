# Scaffolded once by shopgen. This file is yours: shopgen never changes it again.
"""Hooks around `/orders`: what the shop checks before it accepts an order.

A new order must name a known user (asked of the users service; while that service's breaker
is open its fallback `{name: Unknown User}` is served and the order is accepted, to be
checked later, rather than refused) and products that exist. Prices and the total come from
the products service, never from the client, and every order starts as `created`: the
checkout saga decides what becomes of it.
"""

from runtime.errors import UpstreamError, ValidationFailed

from ...clients import ValidateRequest
from ...context import Context
from ...models import Order
from ...schemas import OrderCreate, OrderStatus, OrderUpdate

# Set when the order is placed; changing them later would bypass the checkout.
FIXED = ("user_id", "items", "total")


async def before_create_order(ctx: Context, data: OrderCreate) -> OrderCreate:
    """Check the user and the products; store the catalogue's prices and total."""
    if not data.items:
        raise ValidationFailed("an order needs at least one item")
    try:
        await ctx.clients.users.get_user(data.user_id)
    except UpstreamError as exc:
        if exc.status == 404:
            raise ValidationFailed(f"unknown user {data.user_id}") from None
        raise
    items = [{"product_id": str(i.product_id), "quantity": i.quantity} for i in data.items]
    checked = await ctx.clients.products.validate(ValidateRequest(items=items))
    if not checked.valid or checked.total is None:
        raise ValidationFailed("unknown products in the order")
    lines = []
    for item in data.items:
        product = await ctx.clients.products.get_product(item.product_id)
        lines.append(item.model_copy(update={"price": product.price}))
    return data.model_copy(
        update={
            "items": lines,
            "total": checked.total,
            "status": OrderStatus.CREATED,
            "cancel_reason": None,
        }
    )


async def before_update_order(ctx: Context, current: Order, changes: OrderUpdate) -> OrderUpdate:
    """The user, items and total are fixed once the order is placed."""
    fixed = sorted(changes.model_fields_set & set(FIXED))
    if fixed:
        raise ValidationFailed(f"{', '.join(fixed)} cannot change once the order is placed")
    return changes


async def before_delete_order(ctx: Context, current: Order) -> None:
    """An order whose checkout is still running cannot be deleted: the saga's outcome is
    written to it."""
    if current.status == OrderStatus.CREATED:
        raise ValidationFailed("the order's checkout is still running; try again later")
