# Scaffolded once by shopgen. This file is yours: shopgen never changes it again.
"""The products service's first step of the checkout saga: reserve the order's stock.

Stock is taken with one conditional UPDATE per product (`stock = stock - q WHERE stock >= q`),
so concurrent checkouts can never drive it below zero, whatever the database's isolation
level. Either every item is reserved or none is. The reservation is recorded (below), so that
`release_stock` gives back only what a saga took, and only once.

The order's prices are checked against the catalogue first: orders taken while this service
was unreachable carry the client's prices (see the orders service's custom/hooks/order.py).
"""

from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from runtime.events import SagaContext, StepResult
from runtime.events.envelope import utcnow
from runtime.events.tables import processed_events

from ...models import Product
from ...payloads import OrderCreated

# Records in the runtime's `processed_events` table (consumer name, saga id): that table's
# primary key makes "once per saga" hold even for two deliveries racing each other.
RESERVED = "products.stock-reserved"
RELEASED = "products.stock-released"


async def reserve_stock(ctx: SagaContext, payload: OrderCreated) -> StepResult | None:
    """Take every item's quantity from stock, or nothing at all when one is short."""
    wrong = await wrong_price(ctx.session, payload.items)
    if wrong:
        return StepResult.failure(reason=wrong)
    # A failure reply still commits this transaction (it carries the reply's outbox row), so
    # items already taken are put back by rolling back to this savepoint.
    savepoint = await ctx.session.begin_nested()
    for product_id, quantity in quantities(payload.items).items():
        taken = await ctx.session.execute(
            update(Product)
            .where(Product.id == product_id, Product.stock >= quantity)
            .values(stock=Product.stock - quantity)
        )
        if taken.rowcount != 1:
            await savepoint.rollback()
            return StepResult.failure(
                reason=f"out of stock: product {product_id} has fewer than {quantity} left"
            )
    await savepoint.commit()
    await record(ctx.session, RESERVED, ctx.saga_id)
    return None


async def wrong_price(session: AsyncSession, items: list[Any]) -> str | None:
    """Why the order's lines do not match the catalogue, or None when they do."""
    ids = {UUID(str(item["product_id"])) for item in items}
    rows = await session.execute(select(Product.id, Product.price).where(Product.id.in_(ids)))
    prices = dict(rows.all())
    for item in items:
        product_id = UUID(str(item["product_id"]))
        if product_id not in prices:
            return f"unknown product {product_id}"
        if Decimal(str(item["price"])) != prices[product_id]:
            return f"price changed: product {product_id} costs {prices[product_id]}"
    return None


def quantities(items: list[Any]) -> dict[UUID, int]:
    """Quantity per product (lines of one product added up), in a fixed order so that two
    transactions lock rows in the same order and cannot deadlock."""
    totals: dict[UUID, int] = {}
    for item in items:
        product_id = UUID(str(item["product_id"]))
        totals[product_id] = totals.get(product_id, 0) + int(item["quantity"])
    return dict(sorted(totals.items()))


async def record(session: AsyncSession, what: str, saga_id: UUID | None) -> None:
    """Note that `what` happened for this saga; a second time fails on the primary key (the
    transaction is then retried, and finds the first record)."""
    await session.execute(
        insert(processed_events).values(
            consumer=what, event_id=saga_id, event_type=what, processed_at=utcnow()
        )
    )
