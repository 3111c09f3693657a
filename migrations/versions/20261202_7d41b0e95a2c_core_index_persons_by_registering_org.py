"""core: index persons by the organization that registered them (the session form finds an
organization's elders by name, timebank.pickers)

Revision ID: 7d41b0e95a2c
Revises: 7d4e1c2a9b30
Create Date: 2026-12-02 10:30:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '7d41b0e95a2c'
down_revision = '7d4e1c2a9b30'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_registered_org_id'), ['registered_org_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_registered_org_id'))
