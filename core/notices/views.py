"""Pages of notices: my inbox (read = receipt), a notice's PDF, the public verification page
and the public notices (公告送达)."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core import outbox
from core.accounts.models import Role
from core.auth import AUTHENTICATED, PUBLIC, roles
from core.errors import DomainError, NotFound, PermissionDenied
from core.extensions import db
from core.notices import delivery, documents
from core.notices.models import NoticeDocument
from core.orgs.models import Membership
from core.orgs.services import orgs_of, user_org_ids

bp = Blueprint("notices", __name__, template_folder="templates")


@bp.get("/inbox")
@roles(AUTHENTICATED)
def inbox():
    messages = outbox.inbox_for(current_user, user_org_ids(current_user), limit=200)
    return render_template("notices/inbox.html", messages=messages)


@bp.route("/inbox/addresses", methods=["GET", "POST"])
@roles(AUTHENTICATED)
def addresses():
    """送达地址确认: where notices to me, and to the organizations I manage, are also sent."""
    managed = [o for o in orgs_of(current_user) if _manages(o.id)]
    if request.method == "POST":
        owner = request.form.get("owner", "me")
        org_id = int(owner[4:]) if owner.startswith("org:") and owner[4:].isdigit() else None
        if owner != "me" and org_id not in {o.id for o in managed}:
            raise PermissionDenied("notices.not_manager", _("只有组织的管理员可以确认送达地址。"))
        try:
            for channel in ("email", "sms"):
                value = (request.form.get(channel) or "").strip()
                if value or request.form.get(f"withdraw_{channel}"):  # blank: unchanged
                    delivery.set_contact(current_user, channel, value, org_id=org_id,
                                         user_id=None if org_id else current_user.id)
        except DomainError as error:
            db.session.rollback()
            flash(error.text, "error")
        else:
            flash(_("送达地址已保存。"), "success")
            return redirect(url_for("notices.addresses"))
    owners = [("me", current_user.display_name, None, current_user.id)] + [
        (f"org:{o.id}", o.name, o.id, None) for o in managed]
    rows = [(key, name, {c.channel: c for c in delivery.contacts_of(org_id=org_id,
                                                                     user_id=user_id)})
            for key, name, org_id, user_id in owners]
    return render_template("notices/addresses.html", rows=rows)


def _manages(org_id: int) -> bool:
    row = db.session.get(Membership, (current_user.id, org_id))
    return row is not None and row.role == "manager"


@bp.get("/inbox/<int:message_id>")
@roles(AUTHENTICATED)
def message(message_id: int):
    row = delivery.get_message(current_user, message_id)
    document = delivery.document_of_message(row)
    return render_template("notices/message.html", message=row, document=document,
                           attempts=delivery.timeline(document) if document else [])


@bp.post("/inbox/<int:message_id>/read")
@roles(AUTHENTICATED)
def acknowledge(message_id: int):
    row = delivery.get_message(current_user, message_id)
    delivery.acknowledge(current_user, row)
    flash(_("已确认收悉。"), "success")
    return redirect(url_for("notices.message", message_id=message_id))


def _may_download(document: NoticeDocument) -> bool:
    if current_user.has_role(Role.REGULATOR, Role.ADMIN):
        return True
    return (document.user_id == current_user.id or
            (document.org_id is not None and document.org_id in user_org_ids(current_user)))


@bp.get("/notices/<int:document_id>.pdf")
@roles(AUTHENTICATED)
def document_pdf(document_id: int):
    document = db.session.get(NoticeDocument, document_id)
    if document is None:
        raise NotFound("notices.not_found", _("查无此文书。"))
    if not _may_download(document):
        raise PermissionDenied("notices.not_yours", _("无权查看此文书。"))
    return Response(documents.render_pdf(document), mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{document.number}.pdf"'})


@bp.get("/notices/verify/<string:number>")
@roles(PUBLIC)
def verify(number: str):
    try:
        result = documents.verify(number, request.args.get("code"))
    except DomainError as error:
        return render_template("notices/verify.html", result=None, number=number,
                               error=error.text), 404
    return render_template("notices/verify.html", result=result, number=number,
                           delivery=delivery.delivery_of(result.document))


@bp.get("/notices/public")
@roles(PUBLIC)
def public_notices():
    rows = [(d, documents.content_of(d.document)) for d in delivery.public_notices()]
    return render_template("notices/public.html", rows=rows)
