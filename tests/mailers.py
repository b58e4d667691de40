"""E-mail backends for tests: a mail server that is down."""

from django.core.mail.backends.base import BaseEmailBackend


class RefusingEmailBackend(BaseEmailBackend):
    """Every send fails the way a down SMTP server does."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError(111, "Connection refused")
