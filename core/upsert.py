"""Additive upserts: the roll-ups' one write (rollups.rollup, screening.rollup)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection, models


def add_rows(
    model: type[models.Model],
    key_fields: tuple[str, ...],
    rows: Iterable[tuple[tuple[Any, ...], dict[str, Any]]],
) -> None:
    """Add each row's increments to the stored row with its key, inserting the row when it is
    missing: one INSERT … ON CONFLICT DO UPDATE SET c = c + excluded.c per batch (PostgreSQL and
    SQLite alike). Rows go in key order, so two transactions touching the same rows lock them in
    the same order and never deadlock; a row inserted by another transaction meanwhile is added
    to. Hand-written: Django's bulk_create(update_conflicts=True) sets values, it cannot add."""
    todo = sorted((key, changes) for key, changes in rows if any(changes.values()))
    if not todo:
        return
    meta = model._meta
    counters = [
        f.column for f in meta.concrete_fields if not f.primary_key and f.name not in key_fields
    ]
    changed = sorted({name for _key, changes in todo for name, v in changes.items() if v})
    qn = connection.ops.quote_name
    table = qn(meta.db_table)
    columns = ", ".join(qn(c) for c in (*key_fields, *counters))
    one = "(" + ", ".join(["%s"] * (len(key_fields) + len(counters))) + ")"
    conflict = ", ".join(qn(k) for k in key_fields)
    sets = ", ".join(f"{qn(c)} = {table}.{qn(c)} + excluded.{qn(c)}" for c in changed)
    with connection.cursor() as cursor:
        for start in range(0, len(todo), 200):
            batch = todo[start : start + 200]
            params: list[Any] = []
            for key, changes in batch:
                params.extend(key)
                params.extend(changes.get(c, 0) for c in counters)
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * len(batch))} "
                f"ON CONFLICT ({conflict}) DO UPDATE SET {sets}",
                params,
            )


def increment(model: type[models.Model], field: str = "last", **key: Any) -> int:
    """Add 1 to `field` of the row with `key` (a unique constraint's fields; model instances
    for foreign keys), creating the row at 1 when it is missing, and return the new value: one
    INSERT … ON CONFLICT DO UPDATE … RETURNING (PostgreSQL and SQLite alike). The row stays
    locked until the surrounding transaction ends, and a rollback takes the number back.
    Hand-written for the same reason as add_rows: the ORM's get_or_create + update + read
    took six statements and two savepoints."""
    meta = model._meta
    qn = connection.ops.quote_name

    def column(name: str) -> str:
        found = meta.get_field(name)
        assert isinstance(found, models.Field) and found.column, name  # a concrete field
        return qn(found.column)

    columns = [column(name) for name in key]
    params = [v.pk if isinstance(v, models.Model) else v for v in key.values()]
    table, counter = qn(meta.db_table), column(field)
    marks = ", ".join(["%s"] * (len(columns) + 1))
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}, {counter}) VALUES ({marks}) "
        f"ON CONFLICT ({', '.join(columns)}) DO UPDATE SET {counter} = {table}.{counter} + 1 "
        f"RETURNING {counter}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, 1])
        return int(cursor.fetchone()[0])
