"""Domain events (core.events): subscribers get the payload, a failing one stops the publisher."""

import pytest

from core import events


def test_events_reach_subscribers_with_their_payload():
    received = []

    def on_confirmed(sender, **payload):
        received.append((sender, payload))

    events.session_confirmed.connect(on_confirmed)
    try:
        events.publish(events.session_confirmed, "timebank", session_id=7, minutes=90)
    finally:
        events.session_confirmed.disconnect(on_confirmed)
    assert received == [("timebank", {"session_id": 7, "minutes": 90})]


def test_a_failing_subscriber_stops_the_publisher():
    def broken(_sender, **_payload):
        raise RuntimeError("credit is down")

    events.match_fulfilled.connect(broken)
    try:
        with pytest.raises(RuntimeError):
            events.publish(events.match_fulfilled, "charity", proposal_id=1)
    finally:
        events.match_fulfilled.disconnect(broken)

