"""core: person birth date no longer stored in clear

The masked ID number shown on pages and kept in the audit trail (3204**********123X) hides
exactly the birth date; ``person.birth_date`` kept it in clear, so a copied database gave the
whole number back. The birth date is now read from the encrypted ID number.

Revision ID: 3c9e1f4a7d20
Revises: b6401768e1c1
Create Date: 2026-11-29 05:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c9e1f4a7d20'
down_revision = 'b6401768e1c1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_column('birth_date')


def downgrade():
    from core.crypto import decrypt
    from core.ids import birth_date_from_id

    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('birth_date', sa.Date(), nullable=True))
    person = sa.table('person', sa.column('id', sa.Integer), sa.column('id_number', sa.Text),
                      sa.column('birth_date', sa.Date))
    conn = op.get_bind()
    for row in conn.execute(sa.select(person.c.id, person.c.id_number)).all():
        conn.execute(person.update().where(person.c.id == row.id)
                     .values(birth_date=birth_date_from_id(decrypt(row.id_number))))
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.alter_column('birth_date', existing_type=sa.Date(), nullable=False)
