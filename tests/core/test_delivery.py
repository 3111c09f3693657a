"""Delivery over real channels on loopback: an SMTP server (aiosmtpd) and an HTTP server that
plays the SMS gateway, with failures; retries with backoff; public notice when nothing is
confirmed in time."""

import email
import email.policy
import json
import socket
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from core import jobs
from core.extensions import db
from core.notices import delivery, documents
from core.notices.models import DeliveryStatus, RouteStatus


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Inbox:
    def __init__(self):
        self.messages, self.refuse = [], set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        mail = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope.rcpt_tos, mail))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1; ``.handler.messages`` holds what arrived."""
    handler = _Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture
def sms_gateway():
    """An HTTP server playing the SMS gateway: answers from ``.script`` in turn (status code,
    JSON body), the last one repeating; ``.received`` holds the posted bodies."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            server.received.append((self.headers["Authorization"], body))
            status, answer = server.script.pop(0) if len(server.script) > 1 else server.script[0]
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            """Quiet: the test reads what the gateway received, not its access log."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.received, server.script = [], [(200, {"status": "accepted", "id": "g-1"})]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _document(org, step="credit.entry:7:notified"):
    return documents.issue(None, kind="credit.prior_notice", series="XYGZ", title="信用信息告知书",
                           step_key=step, recipient_name=org.name, org_id=org.id,
                           paragraphs=["拟列入活动异常名录。"], items=[("异议期限", "10个工作日")])


def test_email_reaches_a_real_smtp_server_with_the_pdf_and_confirms(
        app, make, writing, smtp_server, frozen_clock):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port,
                      SMTP_FROM="notices@mzj.example")
    frozen_clock.local(2026, 6, 10, 9, 0)
    org = make.org()
    delivery.set_contact(None, "email", "office@org.example", org_id=org.id)
    doc = _document(org)
    delivery.deliver(None, doc)
    db.session.commit()
    assert jobs.run_job("notices.send").counts == {"sent": 1, "failed": 0, "gave_up": 0,
                                                   "logged": 0}
    ((rcpt, mail),) = smtp_server.handler.messages
    assert rcpt == ["office@org.example"]
    assert "信用信息告知书" in mail["Subject"] and doc.number in mail["Subject"]
    parts = {p.get_content_type(): p for p in mail.walk()}
    assert "拟列入活动异常名录" in parts["text/plain"].get_content()
    assert parts["application/pdf"].get_payload(decode=True).startswith(b"%PDF")
    state = delivery.delivery_of(doc)
    assert (state.status, state.delivered_by, state.delivered_on.isoformat()) == (
        DeliveryStatus.CONFIRMED, "email", "2026-06-10")
    assert jobs.run_job("notices.send").counts["sent"] == 0  # never sent twice
    assert len(smtp_server.handler.messages) == 1


def test_refused_mailbox_is_given_up_at_once(app, make, writing, smtp_server):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port)
    smtp_server.handler.refuse.add("gone@org.example")
    org = make.org()
    delivery.set_contact(None, "email", "gone@org.example", org_id=org.id)
    doc = _document(org)
    delivery.deliver(None, doc)
    db.session.commit()
    assert jobs.run_job("notices.send").counts["gave_up"] == 1
    (route,) = [r for r in delivery.delivery_of(doc).routes if r.channel == "email"]
    assert route.status == RouteStatus.FAILED
    assert "550" in delivery.timeline(doc)[-1].detail


def test_without_smtp_email_is_only_logged_and_never_counts(app, make, writing, caplog):
    org = make.org()
    delivery.set_contact(None, "email", "office@org.example", org_id=org.id)
    doc = _document(org)
    delivery.deliver(None, doc)
    db.session.commit()
    assert jobs.run_job("notices.send").counts["logged"] == 1
    assert "o*****@org.example" in caplog.text and "office@" not in caplog.text
    assert delivery.delivery_of(doc).status == DeliveryStatus.PENDING


def test_failing_gateway_is_retried_with_backoff_then_succeeds(
        app, make, writing, sms_gateway, frozen_clock):
    app.config.update(SMS_GATEWAY_URL=f"http://127.0.0.1:{sms_gateway.server_port}/send",
                      SMS_GATEWAY_TOKEN="t0ken")
    sms_gateway.script = [(503, {"error": "busy"}), (200, {"status": "queued?"}),
                          (200, {"status": "accepted", "id": "g-9"})]
    frozen_clock.local(2026, 6, 10, 9, 0)
    org = make.org()
    delivery.set_contact(None, "sms", "13912345678", org_id=org.id)
    doc = _document(org)
    delivery.deliver(None, doc)
    db.session.commit()
    assert jobs.run_job("notices.send").counts["failed"] == 1  # 503
    frozen_clock.advance(minutes=9)
    assert jobs.run_job("notices.send").counts["failed"] == 0  # not yet: backoff 10 min
    frozen_clock.advance(minutes=1)
    assert jobs.run_job("notices.send").counts["failed"] == 1  # unknown status
    frozen_clock.advance(minutes=19)
    assert jobs.run_job("notices.send").counts["sent"] == 0  # second backoff is 20 min
    frozen_clock.advance(minutes=1)
    assert jobs.run_job("notices.send").counts["sent"] == 1
    auth, body = sms_gateway.received[-1]
    assert auth == "Bearer t0ken" and body["to"] == "13912345678"
    assert doc.number in body["text"] and len(sms_gateway.received) == 3
    outcomes = [(a.channel, a.outcome, a.address_masked) for a in delivery.timeline(doc)]
    assert outcomes == [("inbox", "sent", None), ("sms", "failed", "139****5678"),
                        ("sms", "failed", "139****5678"), ("sms", "confirmed", "139****5678")]
    assert delivery.delivery_of(doc).delivered_by == "sms"


def test_nothing_confirmed_in_time_goes_to_public_notice(
        app, make, writing, sms_gateway, frozen_clock, client):
    app.config.update(SMS_GATEWAY_URL=f"http://127.0.0.1:{sms_gateway.server_port}/send")
    sms_gateway.script = [(500, {"error": "down"})]
    frozen_clock.local(2026, 6, 10, 9, 0)
    org = make.org(name="常州市失联社会服务中心")
    delivery.set_contact(None, "sms", "13912345678", org_id=org.id)
    doc = _document(org)
    delivery.deliver(None, doc)
    db.session.commit()
    for _ in range(8):
        jobs.run_job("notices.send")
        frozen_clock.advance(hours=6)
    assert len(sms_gateway.received) == 5  # delivery_max_tries, then given up
    assert delivery.timeline(doc)[-1].outcome == "gave_up"
    assert jobs.run_job("notices.public_notice").counts == {"public_notices": 0}  # day 2
    frozen_clock.local(2026, 6, 20, 9, 1)  # ten days after it was sent
    assert jobs.run_job("notices.public_notice").counts == {"public_notices": 1}
    state = delivery.delivery_of(doc)
    assert (state.status, state.public_notice_on.isoformat(), state.delivered_on.isoformat()) \
        == (DeliveryStatus.PUBLIC_NOTICE, "2026-06-20", "2026-07-20")
    page = client.get("/notices/public").get_data(as_text=True)
    assert "常州市失联社会服务中心" in page and "拟列入活动异常名录" in page and "2026-07-20" in page
    assert jobs.run_job("notices.public_notice").counts == {"public_notices": 0}


def test_backoff_doubles():
    from flask import Flask

    app = Flask(__name__)
    app.config["POLICY_DELIVERY_RETRY_MINUTES"] = 10
    with app.app_context():
        assert [delivery.backoff(n) for n in (1, 2, 3)] == [
            timedelta(minutes=10), timedelta(minutes=20), timedelta(minutes=40)]
