from datetime import datetime
from typing import Optional
from uuid import UUID, uuid4

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from app.models.base import TimestampMixin


class Order(TimestampMixin, table=True):
    __tablename__ = "orders"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    tenant_id: Optional[UUID] = Field(default=None, foreign_key="tenants.id", index=True)
    customer_id: UUID = Field(foreign_key="users.id")
    status: str = Field(default="pending", max_length=32)
    totalCents: int = Field(default=0)
    placed_at: datetime = Field(default_factory=datetime.utcnow)
    deleted_at: Optional[datetime] = None


class OrderLine(TimestampMixin, table=True):
    __table_args__ = (Index("orderline_tenant_id_sku_idx", "tenant_id", "sku"))

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    tenant_id: UUID = Field(foreign_key="tenants.id", index=True)
    order_id: UUID = Field(foreign_key="orders.id", index=True)
    sku: str = Field(max_length=64)
    quantity: int = Field(default=1)
    deleted_at: Optional[datetime] = None


class Payment(SQLModel, table=True):
    tablename = "payments"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    tenant_id: UUID = Field(foreign_key="tenants.id", index=True)
    order_id: UUID = Field(foreign_key="orders.id", index=True)
    amount_cents: int
    provider_ref: str = Field(max_length=128)
