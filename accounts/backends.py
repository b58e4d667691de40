"""Authentication backends: Django's and allauth's, loading the signed-in user with what every request asks.

A request's user is loaded from the id in its session by the backend that signed it in. Here that one query
also answers whether the user's address is verified (`user.email_verified`, for the session API), and its
SQL is built once: on a signed-in request this load is the only database round trip, and building it with
the ORM cost more than the database spent answering it.
"""

import functools

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from allauth.account.models import EmailAddress
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.core.exceptions import ValidationError
from django.db import connections, router

from accounts.models import User
from saas.db import field_column, instance_from_row, model_columns


@functools.cache
def _user_sql(alias: str) -> str:
    quote = connections[alias].ops.quote_name
    user, address = User._meta, EmailAddress._meta
    users, addresses = quote(user.db_table), quote(address.db_table)

    def column(table: str, meta, name: str) -> str:
        return f"{table}.{quote(field_column(meta.pk if name == 'pk' else meta.get_field(name)))}"

    user_pk, user_email = column(users, user, "pk"), column(users, user, "email")
    owner, verified, email = (column(addresses, address, name) for name in ("user", "verified", "email"))
    is_verified = (
        f"EXISTS (SELECT 1 FROM {addresses} WHERE {owner} = {user_pk} "  # noqa: S608 - names from the models
        f"AND {verified} AND LOWER({email}) = LOWER({user_email}))"
    )
    return f"SELECT {model_columns(User, alias)[0]}, {is_verified} FROM {users} WHERE {user_pk} = %s"  # noqa: S608


def user_with_email_verified(user_id) -> User | None:
    """The active user with `email_verified` set, in one query; None when there is none."""
    alias = router.db_for_read(User)
    connection = connections[alias]
    try:
        pk = User._meta.pk.get_db_prep_value(User._meta.pk.to_python(user_id), connection)
    except (ValidationError, ValueError, TypeError):  # a session naming no valid id is simply not signed in
        return None
    with connection.cursor() as cursor:
        cursor.execute(_user_sql(alias), [pk])
        row = cursor.fetchone()
    if row is None:
        return None
    user = instance_from_row(User, alias, row[:-1])
    user.email_verified = bool(row[-1])
    return user if user.is_active else None


class ModelBackend(DjangoModelBackend):
    def get_user(self, user_id):
        return user_with_email_verified(user_id)


class AuthenticationBackend(AllauthBackend):
    def get_user(self, user_id):
        return user_with_email_verified(user_id)
