"""``flask credit train|score|promote``: train a score model version, score every subject with
the active one, promote a version by hand. Each command commits its own work."""

from __future__ import annotations

import time
from datetime import date

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from core.accounts.models import User
from core.db import write_intent
from core.errors import DomainError
from core.extensions import db

scoring_cli = AppGroup("scoring", help="Integrity score: train, score, promote.")


def _user(username: str | None):
    if not username:
        return None
    user = db.session.execute(sa.select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise click.BadParameter(f"no user {username!r}", param_hint="--by")
    return user


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise click.BadParameter("use YYYY-MM-DD", param_hint="--date") from None


def _run(func):
    """Run ``func`` as one write transaction; a refused operation exits 1 with its message."""
    token = write_intent.set(True)
    try:
        result = func()
        db.session.commit()
        return result
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.text) from None
    finally:
        write_intent.reset(token)


@scoring_cli.command("train")
@click.option("--date", "day", default=None, help="Use the record up to this day (YYYY-MM-DD).")
@click.option("--no-promote", is_flag=True, help="Keep the new version as a candidate.")
@click.option("--by", "username", default=None, help="Record this user as the trainer.")
@click.option("--if-none", is_flag=True, help="Do nothing when a model is already active.")
def train_command(day, no_promote, username, if_none):
    """Train a new score model version on the credit history; promote it if the rule allows."""
    from credit.scoring import registry, training

    if if_none and (active := registry.active_model()) is not None:
        click.echo(f"model {active.version} is already active; nothing done")
        return
    started = time.perf_counter()
    model = _run(lambda: training.train(_user(username), _day(day),
                                        auto_promote=not no_promote))
    doc = model.document
    hgb = doc["comparison"]["hgb"]
    click.echo(f"model {model.version}: {model.status}; held-out AUC {model.auc:.3f} "
               f"(HistGradientBoosting {hgb['auc']:.3f}), KS {doc['metrics']['test']['ks']:.3f}, "
               f"Brier {doc['metrics']['test']['brier']:.4f}; train {doc['sizes']['train']} / "
               f"test {doc['sizes']['test']} snapshots; {time.perf_counter() - started:.1f}s")


@scoring_cli.command("score")
@click.option("--date", "day", default=None, help="Score as of this day (YYYY-MM-DD).")
def score_command(day):
    """Score every credit subject with the active model."""
    from credit.scoring import subject_scores

    started = time.perf_counter()
    result = _run(lambda: subject_scores.score_subjects(None, _day(day)))
    click.echo(f"scored {result['scored']} subjects on {result['scored_on']} with model "
               f"{result['model_version']}: {result['by_grade']}; "
               f"{time.perf_counter() - started:.1f}s")


@scoring_cli.command("promote")
@click.argument("version")
@click.option("--reason", required=True, help="Why this version becomes the active one.")
@click.option("--by", "username", default=None, help="The admin who decided it.")
def promote_command(version, reason, username):
    """Make VERSION the active score model (the current one is retired), audited."""
    from credit.scoring import registry, training

    model = _run(lambda: training.promote(_user(username), registry.get_model(version), reason))
    click.echo(f"model {model.version} is now active")


COMMANDS = (train_command, score_command, promote_command)
