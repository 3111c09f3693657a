"""timebank: catalogue items have a service category (the bureau's catalogue)

Existing items get one inferred from their name (the words the bureau's default categories
use), and "other" (其他) when nothing matches (also the column's default); institutions
correct it on the catalogue page.

Revision ID: 7d4e1c2a9b30
Revises: c592ccedcc47
Create Date: 2026-12-02 10:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7d4e1c2a9b30'
down_revision = 'c592ccedcc47'
branch_labels = None
depends_on = None

# First match wins: (category code, words in the item's name).
INFERRED = (
    ("bathing", ("助浴", "洗浴", "洗澡", "沐浴")),
    ("meal", ("助餐", "餐", "饭", "膳")),
    ("cleaning", ("助洁", "保洁", "清洁", "打扫", "洗衣")),
    ("medical", ("陪诊", "就医", "体检", "理疗", "康复", "护理", "按摩", "推拿", "足疗")),
    ("mobility", ("助行", "出行", "接送")),
    ("companionship", ("陪伴", "聊天", "探访")),
    ("culture", ("文体", "活动", "兴趣", "课程", "讲座")),
    ("counselling", ("咨询", "法律", "心理")),
    ("errands", ("代办", "代购", "跑腿")),
)


def upgrade():
    # A plain ADD COLUMN (no table copy: on SQLite a copy would drop the table that
    # redemptions reference), with "other" for the rows already there, refined below.
    op.add_column('timebank_catalogue_item',
                  sa.Column('category', sa.String(length=32), nullable=False,
                            server_default='other'))
    item = sa.table('timebank_catalogue_item', sa.column('name', sa.String),
                    sa.column('category', sa.String))
    for code, words in INFERRED:
        op.execute(item.update().where(item.c.category == 'other',
                                       sa.or_(*[item.c.name.like(f"%{w}%") for w in words]))
                   .values(category=code))


def downgrade():
    with op.batch_alter_table('timebank_catalogue_item', schema=None) as batch_op:
        batch_op.drop_column('category')
