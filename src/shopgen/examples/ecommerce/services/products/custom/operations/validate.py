# Scaffolded once by shopgen. This file is yours: shopgen never changes it again.
"""An operation of the products service.

`POST /products/validate`

Orders call it before they accept an order: every product must exist, and the total is
computed here, from the catalogue's prices, so that a client cannot choose its own price.
Stock is not checked here; the checkout saga reserves it (custom/actions/reserve_stock.py).
"""

from decimal import Decimal

from sqlalchemy import select

from ...context import Context
from ...models import Product
from ...schemas import ValidateRequest, ValidateResponse

ZERO = Decimal("0.00")


async def validate(context: Context, request: ValidateRequest) -> ValidateResponse:
    """POST /products/validate: valid when every product exists; total = sum(price * quantity)."""
    ids = {item.product_id for item in request.items}
    rows = await context.session.execute(
        select(Product.id, Product.price).where(Product.id.in_(ids))
    )
    prices = dict(rows.all())
    if not request.items or ids - prices.keys():
        return ValidateResponse(valid=False, total=ZERO)
    total = sum((prices[item.product_id] * item.quantity for item in request.items), ZERO)
    return ValidateResponse(valid=True, total=total)
