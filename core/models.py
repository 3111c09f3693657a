"""Every core table, imported in one place so the metadata (and migrations) see them all."""

from core.accounts.models import ApiToken, FamilyLink, Person, User, UserRole
from core.audit import AuditRecord
from core.idempotency import IdempotencyRecord
from core.jobs import JobRun
from core.orgs.models import District, Membership, Organization
from core.outbox import OutboxMessage
from core.sanctions import Sanction
from core.workdays import CalendarDay

__all__ = [
    "ApiToken", "AuditRecord", "CalendarDay", "District", "FamilyLink", "IdempotencyRecord",
    "JobRun", "Membership", "Organization", "OutboxMessage", "Person", "Sanction", "User",
    "UserRole",
]
