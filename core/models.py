"""Every core table, imported in one place so the metadata (and migrations) see them all."""

from core.accounts.models import ApiToken, FamilyLink, Person, User, UserRole
from core.audit import AuditRecord
from core.catalogues import CatalogueEntry
from core.idempotency import IdempotencyRecord
from core.jobs import JobRun
from core.notices.models import (
    Delivery,
    DeliveryAttempt,
    DeliveryContact,
    DeliveryRoute,
    NoticeDocument,
)
from core.orgs.models import District, Membership, Organization
from core.outbox import OutboxMessage
from core.sanctions import Sanction
from core.schedules import JobSchedule
from core.workdays import CalendarDay, CalendarYear

__all__ = [
    "ApiToken",
    "AuditRecord",
    "CalendarDay",
    "CalendarYear",
    "CatalogueEntry",
    "Delivery",
    "DeliveryAttempt",
    "DeliveryContact",
    "DeliveryRoute",
    "District",
    "FamilyLink",
    "IdempotencyRecord",
    "JobRun",
    "JobSchedule",
    "Membership",
    "NoticeDocument",
    "Organization",
    "OutboxMessage",
    "Person",
    "Sanction",
    "User",
    "UserRole",
]
