"""Scheduled work of notices: send and retry, and move overdue deliveries to public notice."""

from __future__ import annotations

from core.notices import delivery


def send_job() -> dict:
    return delivery.send_due()


def public_notice_job() -> dict:
    return delivery.publish_unconfirmed()
