"""The channels a notice travels by, each a plain function from (message, address) to an
outcome: email over SMTP (smtplib), SMS through an HTTP gateway, or a log line when no server
is configured. A temporary failure raises ``ChannelFailed``; the delivery service retries.

SMS gateway contract (docs/operations.md): ``POST SMS_GATEWAY_URL`` with JSON
``{"to", "text", "ref"}`` and ``Authorization: Bearer SMS_GATEWAY_TOKEN``; a 2xx answer with
JSON ``{"status": "accepted" | "delivered", "id": …}`` means the gateway took it for the number.
"""

from __future__ import annotations

import json
import logging
import smtplib
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app

from core.ids import mask_phone

log = logging.getLogger(__name__)


class ChannelFailed(Exception):
    """The channel could not hand the message over this time (``permanent``: never will)."""

    def __init__(self, detail: str, permanent: bool = False):
        super().__init__(detail)
        self.detail, self.permanent = detail, permanent


@dataclass(frozen=True)
class Outgoing:
    """Everything a channel needs, as plain values (no database access while sending)."""

    ref: str  # e.g. "notice-GZ-2026-00001-r3": stable per route, so a retry is recognisable
    title: str
    text: str
    short_text: str  # for SMS
    pdf: bytes | None = None
    pdf_name: str = "notice.pdf"


@dataclass(frozen=True)
class Handed:
    outcome: str  # "confirmed" (reached the recipient's system) or "logged" (reached nobody)
    detail: str


def mask_email(address: str) -> str:
    """zhang.san@example.org → z*******@example.org."""
    local, _, domain = (address or "").partition("@")
    return (local[:1] + "*" * max(len(local) - 1, 1) + "@" + domain) if domain else "***"


def mask_address(channel: str, address: str | None) -> str | None:
    if not address:
        return None
    return mask_email(address) if channel == "email" else mask_phone(address)


def send_email(message: Outgoing, address: str) -> Handed:
    """Hand the notice to the SMTP server; without ``SMTP_HOST`` it is only logged."""
    cfg = current_app.config
    if not cfg.get("SMTP_HOST"):
        log.info("email (log only, no SMTP_HOST) to %s: %s", mask_email(address), message.title)
        return Handed("logged", "no SMTP server configured: written to the log only")
    mail = EmailMessage()
    mail["From"] = cfg["SMTP_FROM"]
    mail["To"] = address
    mail["Subject"] = message.title
    mail["Message-ID"] = make_msgid(idstring=message.ref, domain="notices.civic")
    mail.set_content(message.text)
    if message.pdf:
        mail.add_attachment(message.pdf, maintype="application", subtype="pdf",
                            filename=message.pdf_name)
    try:
        with smtplib.SMTP(cfg["SMTP_HOST"], int(cfg["SMTP_PORT"]),
                          timeout=float(cfg["SMTP_TIMEOUT"])) as smtp:
            if cfg.get("SMTP_STARTTLS"):
                smtp.starttls()
            if cfg.get("SMTP_USER"):
                smtp.login(cfg["SMTP_USER"], cfg.get("SMTP_PASSWORD", ""))
            refused = smtp.send_message(mail)
    except smtplib.SMTPRecipientsRefused as exc:
        raise ChannelFailed(f"recipient refused: {_codes(exc.recipients)}",
                            permanent=True) from exc
    except smtplib.SMTPResponseException as exc:
        raise ChannelFailed(f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}",
                            permanent=500 <= exc.smtp_code < 600 and exc.smtp_code != 554
                            ) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise ChannelFailed(f"SMTP: {type(exc).__name__}: {exc}") from exc
    if refused:
        raise ChannelFailed(f"recipient refused: {_codes(refused)}", permanent=True)
    return Handed("confirmed", f"accepted by {cfg['SMTP_HOST']}")


def _codes(recipients: dict) -> str:
    return ", ".join(f"{code} {_text(text)}" for code, text in recipients.values())


def _text(value) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def send_sms(message: Outgoing, phone: str) -> Handed:
    """Post the short text to the SMS gateway; without ``SMS_GATEWAY_URL`` it is only logged."""
    cfg = current_app.config
    url = cfg.get("SMS_GATEWAY_URL")
    if not url:
        log.info("sms (log only, no SMS_GATEWAY_URL) to %s: %s", mask_phone(phone),
                 message.title)
        return Handed("logged", "no SMS gateway configured: written to the log only")
    if not url.startswith(("http://", "https://")):
        raise ChannelFailed("SMS_GATEWAY_URL must be an http(s) URL", permanent=True)
    body = json.dumps({"to": phone, "text": message.short_text, "ref": message.ref},
                      ensure_ascii=False).encode()
    # The scheme was checked above: only http(s) is opened.
    request = urllib.request.Request(url, data=body, method="POST", headers={  # noqa: S310
        "Content-Type": "application/json; charset=utf-8",
        "Authorization": f"Bearer {cfg.get('SMS_GATEWAY_TOKEN', '')}"})
    try:
        timeout = float(cfg["SMS_GATEWAY_TIMEOUT"])
        with urllib.request.urlopen(request, timeout=timeout) as resp:  # noqa: S310
            answer = json.loads(resp.read(65536) or b"{}")
    except urllib.error.HTTPError as exc:
        # 4xx other than 429 will not get better by retrying (bad number, bad token).
        raise ChannelFailed(f"gateway HTTP {exc.code}",
                            permanent=400 <= exc.code < 500 and exc.code != 429) from exc
    except (TimeoutError, urllib.error.URLError, OSError, ValueError) as exc:
        raise ChannelFailed(f"gateway: {type(exc).__name__}: {exc}") from exc
    status = str(answer.get("status", "")) if isinstance(answer, dict) else ""
    if status not in ("accepted", "delivered"):
        raise ChannelFailed(f"gateway answered status {status[:40]!r}")
    return Handed("confirmed", f"gateway {status} id {str(answer.get('id', ''))[:60]}")


SENDERS = {"email": send_email, "sms": send_sms}
