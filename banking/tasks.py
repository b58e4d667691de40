"""Background tasks of banking: thin functions that call a service."""

from banking.services import import_parsing, micro_deposits
from banking.services.import_commit import import_commit_give_up, import_commit_run
from saas.background import background_task


# The provider is another company's server: retried for about a day (30 s doubling, capped at an hour).
@background_task(max_attempts=30, backoff=30, max_backoff=3600)
def micro_deposits_send(verification_id: int) -> str:
    return micro_deposits.micro_deposits_dispatch(verification_id=verification_id)


# Reading a bank file: a few retries (a worker lost mid-file starts over from the stored file).
@background_task(max_attempts=3, backoff=10, on_give_up=import_parsing.import_parse_give_up)
def import_parse(import_id: str) -> str:
    return import_parsing.import_parse(import_id=import_id)


# Writing an import's rows: each batch commits on its own, so a retry carries on where the last one stopped.
@background_task(max_attempts=5, backoff=10, on_give_up=import_commit_give_up)
def import_commit(import_id: str) -> str:
    return import_commit_run(import_id=import_id)


# Periodic (add to TASKS_PERIODIC, e.g. daily): uploaded files of imports nobody finished are deleted.
@background_task(max_attempts=3, backoff=60)
def imports_purge_abandoned() -> int:
    return import_parsing.imports_purge_abandoned()
