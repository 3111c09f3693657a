"""Organization pages: my organizations, register one, edit it, manage its staff."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.accounts.models import Role, User
from core.accounts.services import find_user
from core.auth import roles
from core.errors import DomainError
from core.extensions import db
from core.orgs import identity, services
from core.orgs.forms import IdentityChangeForm, IdentityDecisionForm, MemberForm, OrgForm
from core.orgs.models import Membership, OrgStatus

bp = Blueprint("orgs", __name__, url_prefix="/orgs", template_folder="templates")

STAFF = (Role.ORG_STAFF, Role.INSTITUTION_STAFF)


def _district_choices(form):
    form.district_id.choices = [(d.id, d.name) for d in services.districts()]


def _show_errors(form, error: DomainError):
    db.session.rollback()
    for field, messages in error.errors.items():
        if field in form:
            form[field].errors = list(form[field].errors) + list(messages)
    flash(error.text, "error")


def _is_manager(org_id: int) -> bool:
    if current_user.has_role(Role.ADMIN):
        return True
    row = db.session.get(Membership, (current_user.id, org_id))
    return row is not None and row.role == "manager"


@bp.get("/mine")
@roles(*STAFF)
def mine():
    return render_template("orgs/mine.html", orgs=services.orgs_of(current_user))


@bp.route("/register", methods=["GET", "POST"])
@roles(*STAFF)
def register():
    """An organization's staff register it with its USCC; a regulator verifies it."""
    form = OrgForm()
    _district_choices(form)
    if form.validate_on_submit():
        try:
            org = services.register_org(current_user, form.data_for_service(),
                                        status=OrgStatus.PENDING)
            services.add_member(current_user, org, current_user, role="manager")
        except DomainError as error:
            _show_errors(form, error)
            return render_template("orgs/form.html", form=form, org=None), error.status
        flash(_("已登记，待民政部门核验。"), "success")
        return redirect(url_for("orgs.detail", org_id=org.id))
    return render_template("orgs/form.html", form=form, org=None)


@bp.get("/<int:org_id>")
@roles(*STAFF, Role.REGULATOR, Role.ADMIN)
def detail(org_id: int):
    org = services.get_org(org_id)
    if not current_user.has_role(Role.REGULATOR, Role.ADMIN):
        services.require_member(current_user, org_id)
    return render_template("orgs/detail.html", org=org, members=services.members(org),
                           can_manage=_is_manager(org_id), member_form=MemberForm())


@bp.route("/<int:org_id>/edit", methods=["GET", "POST"])
@roles(*STAFF, Role.ADMIN)
def edit(org_id: int):
    org = services.get_org(org_id)
    if not _is_manager(org_id):
        abort(403)
    form = OrgForm(obj=org)
    _district_choices(form)
    if form.validate_on_submit():
        try:
            services.update_org(current_user, org, form.data_for_service())
        except DomainError as error:
            _show_errors(form, error)
            return render_template("orgs/form.html", form=form, org=org,
                                   locked=services.is_verified(org)), error.status
        flash(_("已保存。"), "success")
        return redirect(url_for("orgs.detail", org_id=org.id))
    return render_template("orgs/form.html", form=form, org=org,
                           locked=services.is_verified(org))


@bp.route("/<int:org_id>/identity-change", methods=["GET", "POST"])
@roles(*STAFF, Role.ADMIN)
def identity_change(org_id: int):
    """A manager asks the bureau to change the organization's identity."""
    org = services.get_org(org_id)
    if not _is_manager(org_id):
        abort(403)
    form = IdentityChangeForm(obj=org)
    if form.validate_on_submit():
        changes = {k: form[k].data for k in services.IDENTITY_FIELDS}
        try:
            identity.file_change(current_user, org, changes, form.reason.data,
                                 form.evidence_ref.data)
        except DomainError as error:
            _show_errors(form, error)
            return render_template("orgs/identity_change.html", form=form, org=org,
                                   pending=_pending(org)), error.status
        flash(_("变更申请已提交，民政部门批准后生效。"), "success")
        return redirect(url_for("orgs.detail", org_id=org.id))
    return render_template("orgs/identity_change.html", form=form, org=org, pending=_pending(org))


def _pending(org):
    return db.session.execute(identity.changes_query("pending", org.id)).scalars().all()


@bp.get("/identity-changes")
@roles(Role.REGULATOR)
def identity_changes():
    """The bureau's queue of identity change requests."""
    rows = db.session.execute(identity.changes_query("pending").limit(200)).scalars().all()
    return render_template("orgs/identity_changes.html", rows=rows, form=IdentityDecisionForm(),
                           labels=identity.LABELS, describe=identity.describe)


@bp.post("/identity-changes/<int:change_id>")
@roles(Role.REGULATOR)
def decide_identity_change(change_id: int):
    form = IdentityDecisionForm()
    if form.validate_on_submit():
        try:
            identity.decide_change(current_user, identity.get_change(change_id),
                                   bool(form.approve.data), form.reason.data)
        except DomainError as error:
            db.session.rollback()
            flash(error.text, "error")
        else:
            flash(_("已处理。"), "success")
    else:
        flash(_("请写明审批意见。"), "error")
    return redirect(url_for("orgs.identity_changes"))


@bp.post("/<int:org_id>/members")
@roles(*STAFF, Role.ADMIN)
def add_member(org_id: int):
    org = services.get_org(org_id)
    if not _is_manager(org_id):
        abort(403)
    form = MemberForm()
    if form.validate_on_submit():
        user = find_user(form.username.data)
        if user is None:
            flash(_("找不到用户“%(u)s”。", u=form.username.data), "error")
        else:
            services.add_member(current_user, org, user, form.role.data)
            flash(_("已添加成员。"), "success")
    return redirect(url_for("orgs.detail", org_id=org_id))


@bp.post("/<int:org_id>/members/<int:user_id>/remove")
@roles(*STAFF, Role.ADMIN)
def remove_member(org_id: int, user_id: int):
    org = services.get_org(org_id)
    if not _is_manager(org_id):
        abort(403)
    user = db.session.get(User, user_id)
    if user is not None:
        services.remove_member(current_user, org, user)
        flash(_("已移除成员。"), "success")
    return redirect(url_for("orgs.detail", org_id=org_id))
