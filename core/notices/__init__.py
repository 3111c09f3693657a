"""Written notices and their delivery: numbered PDF documents in the audit chain, delivered
through the recipient's channels (inbox, email, SMS) with every attempt recorded, retried by
the scheduler, and published as a public notice (公告送达) when nothing is confirmed in time.

Domain packages call ``documents.issue`` then ``delivery.deliver``, and hear back through the
``core.events.notice_delivered`` signal (or ``delivery.confirmed_on``)."""
