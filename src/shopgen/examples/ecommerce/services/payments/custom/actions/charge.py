# Scaffolded once by shopgen. This file is yours: shopgen never changes it again.
"""The payments service's step of the checkout saga: charge the order's total.

There is no payment provider in this example; one rule stands in for it:

    A payment is DECLINED when the amount is above 1000.00 (the card limit, `CARD_LIMIT`).

Every attempt is recorded as a Payment row, `succeeded` or `failed` with its reason. A decline
fails the step with that reason, which the saga's owner copies to the order's cancel_reason.
"""

from decimal import Decimal

from runtime.events import SagaContext, StepResult

from ...models import Payment
from ...payloads import InventoryReserved

CARD_LIMIT = Decimal("1000.00")


async def charge(ctx: SagaContext, payload: InventoryReserved) -> StepResult:
    # inventory.reserved names only the order; the total comes from order.created, carried
    # along by the saga.
    amount = Decimal(str(ctx.data["total"]))
    payment = Payment(order_id=payload.order_id, amount=amount, status="succeeded")
    if amount > CARD_LIMIT:
        payment.status = "failed"
        payment.failure_reason = (
            f"payment declined: {amount} is above the card limit of {CARD_LIMIT}"
        )
    ctx.session.add(payment)
    await ctx.session.flush()
    if payment.failure_reason:
        return StepResult.failure(reason=payment.failure_reason)
    return StepResult.success(payment_id=payment.id, amount=amount)
