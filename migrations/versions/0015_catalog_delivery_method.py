"""catalog resources say how their data is delivered after a consent

809 第二十二条 has the provider share within 20 working days of its consent, by service
interface, batch exchange or file. Through the interface the platform's grant is the delivery;
by batch exchange or file a sharing application runs a delivery stage after the consent.
Existing resources are shared through the platform's interface, as they always were.
"""

import sqlalchemy as sa
from alembic import op

revision, down_revision = "0015", "0014"


def upgrade() -> None:
    with op.batch_alter_table("catalogresource") as batch_op:
        batch_op.add_column(
            sa.Column(
                "delivery_method",
                sa.String(length=20),
                nullable=False,
                server_default="interface",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("catalogresource") as batch_op:
        batch_op.drop_column("delivery_method")
