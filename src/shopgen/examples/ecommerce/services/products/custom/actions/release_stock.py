# Scaffolded once by shopgen. This file is yours: shopgen never changes it again.
"""The compensation of the checkout saga's reserve-stock step: give the stock back.

It runs when a later step (the payment) fails, with the order that was reserved for.
"""

from sqlalchemy import update

from runtime.events import SagaContext
from runtime.events.consumer import was_processed

from ...models import Product
from ...payloads import OrderCreated
from .reserve_stock import RELEASED, RESERVED, quantities, record


async def release_stock(ctx: SagaContext, payload: OrderCreated) -> None:
    """Add back what this saga reserved; a saga that reserved nothing, or was already
    released, changes nothing."""
    if not await was_processed(ctx.session, RESERVED, ctx.saga_id):
        return
    if await was_processed(ctx.session, RELEASED, ctx.saga_id):
        return
    for product_id, quantity in quantities(payload.items).items():
        await ctx.session.execute(
            update(Product).where(Product.id == product_id).values(stock=Product.stock + quantity)
        )
    await record(ctx.session, RELEASED, ctx.saga_id)
