"""Background tasks of banking: thin functions that call a service."""

from banking.services import micro_deposits
from saas.background import background_task


# The provider is another company's server: retried for about a day (30 s doubling, capped at an hour).
@background_task(max_attempts=30, backoff=30, max_backoff=3600)
def micro_deposits_send(verification_id: int) -> str:
    return micro_deposits.micro_deposits_dispatch(verification_id=verification_id)
