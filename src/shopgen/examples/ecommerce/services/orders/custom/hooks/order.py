# Scaffolded once by shopgen. This file is yours: shopgen never changes it again.
"""Hooks around `/orders`: what the shop checks before it accepts an order.

The customer (`user_id`) comes from the caller's token; `total`, `status` and `cancel_reason`
are server-managed: no client can send them, they are set here and by the checkout saga.

A new order must name a known user (asked of the users service; while that service's breaker
is open its fallback `{name: Unknown User}` is served and the order is accepted rather than
refused) and products that exist. Prices and the total come from the products service
(`POST /products/validate`), never from the client's total, and every order starts as
`created`: the checkout saga decides what becomes of it.

While the products service cannot be reached, orders are still taken: at the prices the client
states, the total computed here. The products service checks those prices when it reserves the
stock (custom/actions/reserve_stock.py there), and a wrong price cancels the order. So a
products outage delays checkouts instead of refusing them.
"""

from decimal import Decimal

from runtime.errors import UpstreamError, UpstreamUnavailable, ValidationFailed

from ...clients import ValidateRequest
from ...context import Context
from ...models import Order
from ...schemas import OrderDraft, OrderItem, OrderStatus, OrderUpdate

# Set when the order is placed; changing them later would bypass the checkout.
FIXED = ("items",)


async def before_create_order(ctx: Context, data: OrderDraft) -> OrderDraft:
    """Check the user and the products; store the catalogue's prices and total."""
    if not data.items:
        raise ValidationFailed("an order needs at least one item")
    try:
        await ctx.clients.users.get_user(data.user_id)
    except UpstreamError as exc:
        if exc.status == 404:
            raise ValidationFailed(f"unknown user {data.user_id}") from None
        raise
    try:
        items, total = await _priced(ctx, data)
    except UpstreamUnavailable:
        # Checked later, by the saga's first step; see the module's docstring.
        items = data.items
        total = sum((item.price * item.quantity for item in items), Decimal("0.00"))
    update = {"items": items, "total": total, "status": OrderStatus.CREATED, "cancel_reason": None}
    return data.model_copy(update=update)


async def _priced(ctx: Context, data: OrderDraft) -> tuple[list[OrderItem], Decimal]:
    """The order's lines at the catalogue's prices, and the total the products service
    computes for them."""
    items = [{"product_id": str(i.product_id), "quantity": i.quantity} for i in data.items]
    checked = await ctx.clients.products.validate(ValidateRequest(items=items))
    if not checked.valid or checked.total is None:
        raise ValidationFailed("unknown products in the order")
    lines = []
    for item in data.items:
        product = await ctx.clients.products.get_product(item.product_id)
        lines.append(item.model_copy(update={"price": product.price}))
    return lines, checked.total


async def before_update_order(ctx: Context, current: Order, changes: OrderUpdate) -> OrderUpdate:
    """The items are fixed once the order is placed (the user and total are never in an
    update: they are the owner and a server-managed field)."""
    fixed = sorted(changes.model_fields_set & set(FIXED))
    if fixed:
        raise ValidationFailed(f"{', '.join(fixed)} cannot change once the order is placed")
    return changes


async def before_delete_order(ctx: Context, current: Order) -> None:
    """An order whose checkout is still running cannot be deleted: the saga's outcome is
    written to it."""
    if current.status == OrderStatus.CREATED:
        raise ValidationFailed("the order's checkout is still running; try again later")
