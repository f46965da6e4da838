"""enable row level security

Revision ID: 1a7d3e55c0f8
Revises: c41f0e9a7b2d
Create Date: 2025-01-20 16:45:03.118240

"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = "1a7d3e55c0f8"
down_revision: Union[str, None] = "c41f0e9a7b2d"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE users ENABLE ROW LEVEL SECURITY;
        ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
        ALTER TABLE orderline ENABLE ROW LEVEL SECURITY;

        CREATE POLICY tenant_isolation ON users
            FOR ALL
            USING (tenant_id = (SELECT current_setting('app.tenant_id')::uuid))
            WITH CHECK (tenant_id = (SELECT current_setting('app.tenant_id')::uuid));

        CREATE POLICY tenant_isolation ON orders
            FOR ALL
            USING (tenant_id = current_setting('app.tenant_id')::uuid);
        """
    )


def downgrade() -> None:
    op.execute("DROP POLICY tenant_isolation ON orders")
    op.execute("DROP POLICY tenant_isolation ON users")
    op.execute("ALTER TABLE orderline DISABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE orders DISABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE users DISABLE ROW LEVEL SECURITY")
