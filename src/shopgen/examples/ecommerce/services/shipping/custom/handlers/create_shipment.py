# Scaffolded once by shopgen. This file is yours: shopgen never changes it again.
"""What the shipping service does with the events it consumes (`consumes:`)."""

import secrets

from runtime.events import EventContext

from ...models import Shipment
from ...payloads import ShippingInitiate


async def create_shipment(ctx: EventContext, payload: ShippingInitiate) -> None:
    """shipping.initiate: a paid order gets a pending shipment with a tracking number.

    The runtime hands each event to this handler once, so a redelivered event makes no
    second shipment.
    """
    ctx.session.add(
        Shipment(
            order_id=payload.order_id,
            status="pending",
            tracking_number=f"TRK-{secrets.token_hex(6).upper()}",
        )
    )
