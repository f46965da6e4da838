"""Import every model so SQLModel.metadata knows all tables (Alembic reads it)."""

from app.models.base import TimestampMixin
from app.models.order import Order, OrderLine, Payment
from app.models.tenant import Tenant
from app.models.user import User

__all__ = ["Order", "OrderLine", "Payment", "Tenant", "TimestampMixin", "User"]
