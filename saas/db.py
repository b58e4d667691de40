"""Statements the ORM spends more on than the database does, for the hottest paths (the webhook, the
signed-in user of every request).

A Polar burst is CPU-bound, and building a `select_for_update().get()` costs the ORM about three times
what the database spends answering it. These helpers build their SQL from the model's own metadata, once
per model, and pass every value as a parameter; they work on PostgreSQL and SQLite.
"""

import functools
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import connections, router
from django.db.models import Field, ForeignObjectRel, Model

M = TypeVar("M", bound=Model)


def field_column(field: Field | ForeignObjectRel | None) -> str:
    """A concrete field's column (django-stubs types `column` as optional: only concrete fields have one)."""
    if not isinstance(field, Field) or field.column is None:
        raise TypeError(f"{field!r} has no column")
    return field.column


@functools.cache
def model_columns(model: type[Model], alias: str) -> tuple[str, list[tuple[Any, list]]]:
    """The model's columns as a quoted SELECT list (`table.column, ...`), and each column's converters as
    the ORM's compiler would apply them."""
    connection = connections[alias]
    opts = model._meta
    quote = connection.ops.quote_name
    table = quote(opts.db_table)
    columns = []
    for field in opts.concrete_fields:
        col = field.get_col(opts.db_table)  # a foreign key's column converts like the key it points to
        columns.append((col, connection.ops.get_db_converters(col) + col.get_db_converters(connection)))
    return ", ".join(f"{table}.{quote(field_column(f))}" for f in opts.concrete_fields), columns


def instance_from_row[M: Model](model: type[M], alias: str, row: tuple | list) -> M:
    """A model instance from a row of `model_columns`' values, converted as the ORM would."""
    connection = connections[alias]
    _, columns = model_columns(model, alias)
    values = []
    for (col, converters), value in zip(columns, row, strict=True):
        for convert in converters:
            value = convert(value, col, connection)
        values.append(value)
    return model.from_db(alias, [f.attname for f in model._meta.concrete_fields], values)


@functools.cache
def _select_by_pk(model: type[Model], alias: str) -> str:
    connection = connections[alias]
    opts = model._meta
    quote = connection.ops.quote_name
    template = "SELECT {} FROM {} WHERE {} = %s"
    if connection.features.has_select_for_update:
        template += " FOR UPDATE"
    return template.format(model_columns(model, alias)[0], quote(opts.db_table), quote(field_column(opts.pk)))


def locked_by_pk[M: Model](model: type[M], pk: Any) -> M | None:
    """The row with this primary key, locked until the transaction ends (`SELECT … FOR UPDATE`); or None.

    What `model.objects.select_for_update().filter(pk=pk).first()` returns, without building the query
    each time. Call it inside `transaction.atomic()`. SQLite has no row locks (it serialises writers), so
    there it is a plain SELECT, as `select_for_update()` is.
    """
    alias = router.db_for_write(model)
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(_select_by_pk(model, alias), [model._meta.pk.get_db_prep_value(pk, connection)])
        row = cursor.fetchone()
    return None if row is None else instance_from_row(model, alias, row)


def locked_conflicting_row[M: Model](model: type[M], pk: Any) -> M:
    """`locked_by_pk` after `insert_if_absent` found the row there: another transaction inserted it first."""
    row = locked_by_pk(model, pk)
    if row is None:  # not reached: the insert conflicted with a committed row, and nothing deletes them here
        raise ObjectDoesNotExist(f"{model.__name__} {pk} conflicted on insert but cannot be read")
    return row


@functools.cache
def _insert(model: type[Model], alias: str, conflict_field: str) -> tuple[str, list]:
    """The SQL and the fields it sends: every concrete field but an auto-increment id."""
    connection = connections[alias]
    opts = model._meta
    fields = [f for f in opts.concrete_fields if f is not opts.auto_field]
    quote = connection.ops.quote_name
    conflict = opts.pk if conflict_field == "pk" else opts.get_field(conflict_field)
    template = "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT ({}) DO NOTHING RETURNING 1"
    sql = template.format(
        quote(opts.db_table),
        ", ".join(quote(field_column(f)) for f in fields),
        ", ".join(["%s"] * len(fields)),
        quote(field_column(conflict)),
    )
    return sql, fields


def insert_if_absent(obj: Model, *, conflict_field: str = "pk") -> bool:
    """INSERT `obj` unless a row with the same `conflict_field` exists: True if this call inserted it.

    One statement (`ON CONFLICT DO NOTHING RETURNING`) instead of a savepoint, an insert that may fail and
    a release. On PostgreSQL a concurrent insert of the same key makes it wait for that transaction, then
    insert nothing; the caller then locks the row the other one wrote. An auto-increment id is not read
    back: such an object stays unsaved.
    """
    alias = router.db_for_write(type(obj))
    connection = connections[alias]
    sql, fields = _insert(type(obj), alias, conflict_field)
    with connection.cursor() as cursor:
        cursor.execute(sql, [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields])
        inserted = cursor.fetchone() is not None
    if inserted and obj.pk is not None:
        obj._state.adding = False
        obj._state.db = alias
    return inserted
