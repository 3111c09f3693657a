"""Organization pages: my organizations, register one, edit it, manage its staff."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.accounts.models import Role, User
from core.accounts.services import find_user
from core.auth import roles
from core.extensions import db
from core.orgs import identity, services
from core.orgs.forms import IdentityChangeForm, IdentityDecisionForm, MemberForm, OrgForm
from core.orgs.models import OrgStatus
from core.web.pages import submit

bp = Blueprint("orgs", __name__, url_prefix="/orgs", template_folder="templates")

STAFF = (Role.ORG_STAFF, Role.INSTITUTION_STAFF)


def _district_choices(form):
    form.district_id.choices = [(d.id, d.name) for d in services.districts()]


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
    outcome = submit(form, lambda: _register(form))
    if outcome.done:
        flash(_("已登记，待民政部门核验。"), "success")
        return redirect(url_for("orgs.detail", org_id=outcome.result.id))
    return render_template("orgs/form.html", form=form, org=None), outcome.status


def _register(form: OrgForm):
    org = services.register_org(current_user, form.data_for_service(), status=OrgStatus.PENDING)
    services.add_member(current_user, org, current_user, role="manager")
    return org


@bp.get("/<int:org_id>")
@roles(*STAFF, Role.REGULATOR, Role.ADMIN)
def detail(org_id: int):
    org = services.get_org_for(current_user, org_id)
    return render_template("orgs/detail.html", org=org, members=services.members(org),
                           can_manage=services.may_manage(current_user, org_id),
                           member_form=MemberForm())


@bp.route("/<int:org_id>/edit", methods=["GET", "POST"])
@roles(*STAFF, Role.ADMIN)
def edit(org_id: int):
    org = services.get_org(org_id)
    if not services.may_manage(current_user, org_id):
        abort(403)
    form = OrgForm(obj=org)
    _district_choices(form)
    locked = services.is_verified(org)
    outcome = submit(form, lambda: services.update_org(current_user, org,
                                                       form.data_for_service()))
    if outcome.done:
        flash(_("已保存。"), "success")
        return redirect(url_for("orgs.detail", org_id=org.id))
    return render_template("orgs/form.html", form=form, org=org, locked=locked), outcome.status


@bp.route("/<int:org_id>/identity-change", methods=["GET", "POST"])
@roles(*STAFF, Role.ADMIN)
def identity_change(org_id: int):
    """A manager asks the bureau to change the organization's identity."""
    org = services.get_org(org_id)
    if not services.may_manage(current_user, org_id):
        abort(403)
    form = IdentityChangeForm(obj=org)
    outcome = submit(form, lambda: identity.file_change(
        current_user, org, {k: form[k].data for k in services.IDENTITY_FIELDS},
        form.reason.data, form.evidence_ref.data))
    if outcome.done:
        flash(_("变更申请已提交，民政部门批准后生效。"), "success")
        return redirect(url_for("orgs.detail", org_id=org.id))
    return render_template("orgs/identity_change.html", form=form, org=org,
                           pending=_pending(org)), outcome.status


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
    outcome = submit(form, lambda: identity.decide_change(
        current_user, identity.get_change(change_id), bool(form.approve.data), form.reason.data))
    if outcome.done:
        flash(_("已处理。"), "success")
    elif outcome.invalid:
        flash(_("请写明审批意见。"), "error")
    return redirect(url_for("orgs.identity_changes"))


@bp.post("/<int:org_id>/members")
@roles(*STAFF, Role.ADMIN)
def add_member(org_id: int):
    org = services.get_org(org_id)
    if not services.may_manage(current_user, org_id):
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
    if not services.may_manage(current_user, org_id):
        abort(403)
    user = db.session.get(User, user_id)
    if user is not None:
        services.remove_member(current_user, org, user)
        flash(_("已移除成员。"), "success")
    return redirect(url_for("orgs.detail", org_id=org_id))
