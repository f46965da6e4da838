from datetime import datetime
from typing import Optional
from uuid import UUID, uuid4

from sqlalchemy import DateTime
from sqlmodel import Field

from app.models.base import TimestampMixin


class Tenant(TimestampMixin, table=True):
    __tablename__ = "tenants"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    name: str = Field(max_length=255)
    slug: str = Field(max_length=100, unique=True)
    is_active: bool = Field(default=True)
    deleted_at: Optional[datetime] = Field(default=None, sa_type=DateTime(timezone=True))
