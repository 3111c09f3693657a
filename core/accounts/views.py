"""Account pages: sign in and out, volunteer registration, profile, API tokens, family."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_fresh, login_user, logout_user

from core.accounts import identity, services, signin
from core.accounts.forms import (
    FamilyForm,
    InPersonForm,
    LoginForm,
    PasswordForm,
    RealNameForm,
    RegisterForm,
    TokenForm,
)
from core.accounts.models import ApiToken, FamilyLink, Role
from core.auth import AUTHENTICATED, PUBLIC, require_password_session, roles
from core.errors import DomainError, NotFound
from core.extensions import db, limiter
from core.orgs.services import districts
from core.web.pages import back, submit

bp = Blueprint("accounts", __name__, template_folder="templates")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _register_limit() -> str:
    return current_app.config["REGISTER_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@roles(PUBLIC)
@limiter.limit(_login_limit, methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = signin.authenticate(form.username.data, form.password.data,
                                       request.remote_addr)
        except DomainError as error:
            db.session.commit()  # keep the failed-attempt count even though we refuse
            flash(error.text, "error")
            return render_template("accounts/login.html", form=form), error.status
        login_user(user, remember=form.remember.data)
        return back(url_for("web.home"))
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@roles(AUTHENTICATED)
def logout():
    signin.sign_out(current_user._get_current_object())  # old cookies stop working
    logout_user()
    flash(_("您已安全退出。"), "info")
    return redirect(url_for("web.home"))


@bp.route("/register", methods=["GET", "POST"])
@roles(PUBLIC)
@limiter.limit(_register_limit, methods=["POST"])
def register():
    """志愿者实名注册. The answer is the same whether or not the ID number was registered
    before (``identity.register_volunteer``), and it is rate-limited per address."""
    form = RegisterForm()
    form.district_id.choices = [(d.id, d.name) for d in districts()]
    outcome = submit(form, lambda: identity.register_volunteer(
        form.username.data, form.password.data, form.name.data, form.id_number.data,
        form.phone.data or None, form.district_id.data))
    if outcome.done:
        user = outcome.result
        login_user(user)
        flash(_("注册成功，欢迎加入！"), "success")
        return redirect(url_for("web.home"))
    return render_template("accounts/register.html", form=form), outcome.status


@bp.route("/account", methods=["GET", "POST"])
@roles(AUTHENTICATED)
def profile():
    form = PasswordForm()
    outcome = submit(form, lambda: services.change_password(
        current_user, current_user, form.new_password.data, form.current_password.data))
    if outcome.done:
        login_user(current_user._get_current_object())  # the session gets the new version
        flash(_("密码已修改，其他设备上的登录已失效。"), "success")
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form), outcome.status


@bp.route("/account/tokens", methods=["GET", "POST"])
@roles(AUTHENTICATED)
def tokens():
    form = TokenForm()
    issued = None
    if form.validate_on_submit():
        if not login_fresh():  # restored from a remember-me cookie: ask for the password
            flash(_("创建令牌前请重新输入密码登录。"), "info")
            return redirect(url_for("accounts.login", next=url_for("accounts.tokens")))
        require_password_session()
        issued = services.create_token(current_user, current_user, form.name.data)
        form = TokenForm(formdata=None)
    return render_template("accounts/tokens.html", form=form, issued=issued,
                           tokens=services.tokens_of(current_user))


@bp.post("/account/tokens/<int:token_id>/revoke")
@roles(AUTHENTICATED)
def revoke_token(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        raise NotFound("accounts.token_not_found", _("令牌不存在。"))
    services.revoke_token(current_user, token)
    flash(_("令牌已撤销，立即失效。"), "success")
    return redirect(url_for("accounts.tokens"))


@bp.route("/account/family", methods=["GET", "POST"])
@roles(AUTHENTICATED)
def family():
    person = current_user.person
    if person is None:
        flash(_("请先完成实名登记。"), "error")
        return redirect(url_for("accounts.real_name"))
    form = FamilyForm()
    outcome = submit(form, lambda: services.declare_family_link(
        current_user, person, form.relative_id_number.data, form.relative_name.data,
        form.relation.data))
    if outcome.done:
        flash(_("已登记，请携带户口簿等证明到社区或服务点核验。"), "success")
        return redirect(url_for("accounts.family"))
    return render_template("accounts/family.html", form=form,
                           links=services.family_links(person)), outcome.status


@bp.get("/family-links/pending")
@roles(Role.REGULATOR, Role.INSTITUTION_STAFF, Role.ADMIN)
def pending_family_links():
    return render_template("accounts/family_pending.html",
                           links=services.unverified_family_links())


@bp.post("/family-links/<int:link_id>/verify")
@roles(Role.REGULATOR, Role.INSTITUTION_STAFF, Role.ADMIN)
def verify_family_link(link_id: int):
    link = db.session.get(FamilyLink, link_id)
    if link is None:
        raise NotFound("accounts.link_not_found", _("亲属关系不存在。"))
    services.verify_family_link(current_user, link)
    flash(_("亲属关系已核验。"), "success")
    return redirect(url_for("accounts.pending_family_links"))


@bp.route("/account/real-name", methods=["GET", "POST"])
@roles(AUTHENTICATED)
@limiter.limit(_register_limit, methods=["POST"])
def real_name():
    """实名登记 for a login without a person; claiming a person registered by an organization
    needs the binding code it handed over in person."""
    if current_user.person is not None:
        return redirect(url_for("accounts.profile"))
    form = RealNameForm()
    form.district_id.choices = [(d.id, d.name) for d in districts()]
    outcome = submit(form, lambda: identity.link_person(
        current_user, current_user, form.name.data, form.id_number.data,
        form.phone.data or None, form.district_id.data, form.binding_code.data or None))
    if outcome.done:
        flash(_("实名登记已完成。"), "success")
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/real_name.html", form=form), outcome.status


@bp.route("/persons/in-person", methods=["GET", "POST"])
@roles(*identity.VERIFIERS)
def in_person():
    """Staff with the person and their ID card in front of them: record the in-person check,
    or hand over a binding code for a person who has no login yet."""
    form = InPersonForm()
    issued = verified = None

    def record():
        if form.binding_code.data:
            return "issued", identity.issue_binding_code(current_user, form.name.data,
                                                         form.id_number.data)
        return "verified", identity.verify_in_person(current_user, form.name.data,
                                                     form.id_number.data)

    outcome = submit(form, record)
    if outcome.done:
        what, result = outcome.result
        issued, verified = (result, None) if what == "issued" else (None, result)
        form = InPersonForm(formdata=None)
    return render_template("accounts/in_person.html", form=form, issued=issued,
                           verified=verified), outcome.status
