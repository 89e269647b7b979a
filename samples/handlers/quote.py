"""Lambda function `quote` of the quotes WebSocket API (models-mock.yaml).

Routes: quotes/get (two-way) (custom integration).
wsspec created this file once and never overwrites it: it is yours to edit.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict


class QuoteRequest(TypedDict):
    service: str
    action: str
    symbol: str  # pattern ^[A-Z]{1,5}$


class QuoteResponse(TypedDict):
    symbol: NotRequired[str]
    price: NotRequired[float]


def handler(event: QuoteRequest, context: object) -> QuoteResponse:
    # Custom (non-proxy) integration: the event is the message body itself (or what the
    # request template makes of it) -- there is no requestContext.
    # Raising an error whose message matches "/Invalid.*/" selects
    # that integration response.
    reply: QuoteResponse = {}
    return reply  # becomes the frame sent back to the client
