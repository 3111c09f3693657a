"""credit: the dashboard's counts of list entries, kept as they change (docs/scale.md)

Each entry records the district it is counted under (its organization's when it last changed
state; existing entries: their organization's district now). Two small tables hold the counts
per list, state and district and per list, month and event (decided, removed); both are filled
here from the existing entries (``credit.lists.tallies`` keeps them from then on, and
``flask credit rebuild-tallies`` recounts).

Revision ID: 4cb2fa94e423
Revises: 7d41b0e95a2c
Create Date: 2026-12-02 10:45:00

"""
from collections import Counter
from datetime import date

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4cb2fa94e423'
down_revision = '7d41b0e95a2c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('credit_entry_month_tally',
    sa.Column('list_type', sa.String(length=16), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('event', sa.String(length=10), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('list_type', 'month', 'event', name=op.f('pk_credit_entry_month_tally'))
    )
    op.create_table('credit_entry_tally',
    sa.Column('list_type', sa.String(length=16), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], name=op.f('fk_credit_entry_tally_district_id_district')),
    sa.PrimaryKeyConstraint('list_type', 'state', 'district_id', name=op.f('pk_credit_entry_tally'))
    )
    # The column is added in place, never by rebuilding credit_list_entry: on SQLite a rebuild
    # DROPs the table, which the grounds, transitions and objections of a real database point
    # to (FOREIGN KEY constraint failed). SQLite adds a column with a reference only as a
    # nullable one; the model says so too, and every change of an entry sets it.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE credit_list_entry ADD COLUMN district_id INTEGER "
                   "CONSTRAINT fk_credit_list_entry_district_id_district REFERENCES district (id)")
    else:
        op.add_column('credit_list_entry', sa.Column('district_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f('fk_credit_list_entry_district_id_district'),
                              'credit_list_entry', 'district', ['district_id'], ['id'])
    op.execute("UPDATE credit_list_entry SET district_id = (SELECT o.district_id FROM organization o "
               "WHERE o.id = credit_list_entry.org_id)")

    # The counts of the entries there are (as credit.lists.tallies.recount).
    op.execute("INSERT INTO credit_entry_tally (list_type, state, district_id, n) "
               "SELECT list_type, state, district_id, count(*) FROM credit_list_entry "
               "GROUP BY list_type, state, district_id")
    bind = op.get_bind()
    months = Counter()
    for event, column in (("published", "decided_on"), ("removed", "removed_on")):
        for list_type, day, n in bind.execute(sa.text(
                f"SELECT list_type, {column}, count(*) FROM credit_list_entry "  # noqa: S608
                f"WHERE {column} IS NOT NULL GROUP BY list_type, {column}")):
            if not isinstance(day, date):  # SQLite hands dates back as text here
                day = date.fromisoformat(str(day)[:10])
            months[(list_type, day.replace(day=1), event)] += n
    if months:
        table = sa.table('credit_entry_month_tally', sa.column('list_type'), sa.column('month', sa.Date),
                         sa.column('event'), sa.column('n'))
        op.bulk_insert(table, [{"list_type": t, "month": m, "event": e, "n": n}
                               for (t, m, e), n in sorted(months.items())])


def downgrade():
    with op.batch_alter_table('credit_list_entry', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_credit_list_entry_district_id_district'), type_='foreignkey')
        batch_op.drop_column('district_id')
    op.drop_table('credit_entry_tally')
    op.drop_table('credit_entry_month_tally')
