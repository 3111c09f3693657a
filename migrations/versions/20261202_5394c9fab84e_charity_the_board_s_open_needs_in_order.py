"""charity: the board's open needs in order, in a partial index (docs/scale.md)

The predicate is literal SQL (charity.models.OPEN_NEED_SQL), which the board's query repeats
word for word, so the planner sees the index applies to it.

Revision ID: 5394c9fab84e
Revises: 4cb2fa94e423
Create Date: 2026-12-02 11:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5394c9fab84e'
down_revision = '4cb2fa94e423'
branch_labels = None
depends_on = None

OPEN_NEED_SQL = "status IN ('open', 'partly_matched')"  # as charity.models says it


def upgrade():
    with op.batch_alter_table('charity_need', schema=None) as batch_op:
        batch_op.create_index('ix_charity_need_open', [sa.text('urgency DESC'), 'deadline', 'id'], unique=False,
                              postgresql_where=sa.text(OPEN_NEED_SQL), sqlite_where=sa.text(OPEN_NEED_SQL))


def downgrade():
    with op.batch_alter_table('charity_need', schema=None) as batch_op:
        batch_op.drop_index('ix_charity_need_open')
