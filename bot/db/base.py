"""The declarative base of every table, and helpers shared by the model modules."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, MetaData, Table
from sqlalchemy.orm import DeclarativeBase

from bot.db.types import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with constraint names Alembic can rely on across engines."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON()}  # noqa: RUF012


def table_of(model: type[DeclarativeBase]) -> Table:
    """The Core table behind a mapped class, for statements that skip the ORM on hot paths."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


def string_enum(enum_class: type[enum.StrEnum], length: int = 16) -> Enum:
    """Enums stored as their values in a plain string column: no PostgreSQL ENUM to migrate.

    A value that is not a member is refused when it is written (LookupError), a plain string
    included, so a misspelt kind never reaches the table.
    """
    return Enum(
        enum_class,
        native_enum=False,
        length=length,
        validate_strings=True,
        values_callable=lambda members: [member.value for member in members],
    )
