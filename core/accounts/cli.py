"""``flask users …``: create users, set passwords and roles, issue API tokens."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from core.accounts import services
from core.accounts.models import Role
from core.errors import DomainError
from core.extensions import db

users_cli = AppGroup("users", help="User accounts.")

ROLE_CHOICE = click.Choice([r.value for r in Role])


def _fail(error: DomainError):
    db.session.rollback()
    raise click.ClickException(f"{error.text} {error.errors or ''}".strip())


@users_cli.command("create")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", "display_name", default=None, help="Display name.")
@click.option("--role", "roles", multiple=True, type=ROLE_CHOICE, help="Repeat for several.")
def create_command(username, password, display_name, roles):
    """Create a user with roles."""
    try:
        user = services.create_user(None, username, password, display_name or username, roles)
    except DomainError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"created {user.username} with roles {', '.join(sorted(user.roles)) or '-'}")


@users_cli.command("set-password")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def set_password_command(username, password):
    """Set a user's password (signs out their sessions)."""
    user = services.find_user(username)
    if user is None:
        raise click.ClickException(f"no user {username}")
    try:
        services.change_password(None, user, password)
    except DomainError as error:
        _fail(error)
    db.session.commit()
    click.echo("password changed")


@users_cli.command("set-roles")
@click.argument("username")
@click.argument("roles", nargs=-1, type=ROLE_CHOICE)
def set_roles_command(username, roles):
    """Replace a user's roles."""
    user = services.find_user(username)
    if user is None:
        raise click.ClickException(f"no user {username}")
    services.set_roles(None, user, roles)
    db.session.commit()
    click.echo(f"{username}: {', '.join(sorted(user.roles)) or '-'}")


@users_cli.command("token")
@click.argument("username")
@click.argument("name")
def token_command(username, name):
    """Issue an API token for USERNAME; the secret is printed once."""
    user = services.find_user(username)
    if user is None:
        raise click.ClickException(f"no user {username}")
    issued = services.create_token(None, user, name)
    db.session.commit()
    click.echo(issued.secret)
