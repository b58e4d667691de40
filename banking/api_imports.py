"""The import API: upload a bank file (multipart), follow it while it is read, confirm its mapping, look at
its rows, commit, undo. Reading and committing run as background tasks: poll the import until its status
settles. Another user's import is `not_found` everywhere.
"""

from ninja import File, Form, Query, Router
from ninja.files import UploadedFile
from ninja.responses import Status

from accounts.http import AuthenticatedHttpRequest
from banking import schemas_imports as schemas
from banking import selectors, services
from banking.importers.uploads import is_too_large
from banking.pagination import InvalidCursor
from banking.services.imports import max_size_text
from saas.api import INVALID, ApiError
from saas.schemas import Limit, errors

router = Router(tags=["imports"], by_alias=True)


def _import(request: AuthenticatedHttpRequest, id: str):
    return selectors.get_import_for_user(user=request.user, import_id=id)


def _one(imp) -> dict:
    imp.refresh_from_db()
    return {"import": imp}


def _conflict(error: Exception) -> ApiError:
    return ApiError("conflict", str(error))


@router.get("/imports", response={200: schemas.ImportList, **errors(400)})
def import_list(request: AuthenticatedHttpRequest, limit: Limit = 50, cursor: str | None = None):
    """Your imports, newest first."""
    try:
        page = selectors.import_page(user=request.user, cursor=cursor or None, limit=limit)
    except InvalidCursor as error:
        raise ApiError("validation_error", INVALID, fields={"cursor": [str(error)]}) from None
    return {"imports": page.items, "next_cursor": page.next_cursor}


@router.post("/imports", response={201: schemas.ImportOne, **errors(400, 404, 413)})
def import_create(
    request: AuthenticatedHttpRequest,
    file: File[UploadedFile] = None,  # type: ignore[assignment]  # checked below, after the size
    bank_account_id: Form[str] = "",
    mapping: Form[str] = "",
):
    """Upload a bank file as multipart/form-data: `file`, `bank_account_id`, and for a CSV optionally `mapping`
    (a JSON object as text; see POST /imports/{id}/mapping). The format (OFX/QFX, QIF, CAMT.053, CSV) is read
    from the content. Answers 201 with the import in `parsing`; poll it until it is `ready`, `needs_mapping`
    or `failed`."""
    if is_too_large(request):
        raise ApiError("too_large", f"The file is larger than {max_size_text()}.")
    if file is None:
        raise ApiError(
            "validation_error", INVALID, fields={"file": ["Send the bank file as the multipart field `file`."]}
        )
    if not bank_account_id:
        raise ApiError("validation_error", INVALID, fields={"bank_account_id": ["This field is required."]})
    account = selectors.get_bank_account_for_user(user=request.user, bank_account_id=bank_account_id)
    try:
        imp = services.import_create(
            user=request.user,
            bank_account=account,
            upload=file,
            filename=file.name or "",
            mapping=services.parse_mapping_text(mapping),
            request=request,
        )
    except services.ImportTooLarge as error:
        raise ApiError("too_large", str(error)) from None
    return Status(201, _one(imp))


@router.get("/imports/{id}", response={200: schemas.ImportOne, **errors(404)})
def import_get(request: AuthenticatedHttpRequest, id: str):
    return {"import": _import(request, id)}


@router.get("/imports/{id}/rows", response={200: schemas.ImportRowList, **errors(400, 404)})
def import_rows(
    request: AuthenticatedHttpRequest,
    id: str,
    query: Query[schemas.ImportRowQuery],
    limit: Limit = 50,
    cursor: str | None = None,
):
    """The rows read from the file, in file order: `new`, `duplicate` (with the transaction it duplicates) or
    `invalid` (with the reason)."""
    imp = _import(request, id)
    try:
        page = selectors.import_row_page(imp=imp, status=query.status, cursor=cursor or None, limit=limit)
    except InvalidCursor as error:
        raise ApiError("validation_error", INVALID, fields={"cursor": [str(error)]}) from None
    return {"rows": page.items, "next_cursor": page.next_cursor}


@router.post("/imports/{id}/mapping", response={200: schemas.ImportOne, **errors(400, 404, 409)})
def import_mapping(request: AuthenticatedHttpRequest, id: str, payload: schemas.MappingIn):
    """Confirm how to read the file: for a CSV, which column holds what (the file's header names) and how dates
    and amounts are written; for a file with several accounts, `{"statement": n}`. The file is read again."""
    imp = _import(request, id)
    try:
        imp = services.import_set_mapping(
            user=request.user, imp=imp, mapping=payload.dict(exclude_none=True), request=request
        )
    except services.ImportConflict as error:
        raise _conflict(error) from None
    return _one(imp)


@router.post("/imports/{id}/commit", response={200: schemas.ImportOne, **errors(400, 404, 409)})
def import_commit(request: AuthenticatedHttpRequest, id: str, payload: schemas.CommitIn | None = None):
    """Write the `new` rows as transactions (plus the duplicates listed in `include_rows`, real second
    transactions). Runs in the background: poll until `completed`."""
    imp = _import(request, id)
    try:
        imp = services.import_commit(
            user=request.user, imp=imp, include_rows=payload.include_rows if payload else [], request=request
        )
    except services.ImportConflict as error:
        raise _conflict(error) from None
    return _one(imp)


@router.post("/imports/{id}/undo", response={200: schemas.ImportOne, **errors(400, 404, 409)})
def import_undo(request: AuthenticatedHttpRequest, id: str, payload: schemas.UndoIn | None = None):
    """Remove every transaction the import wrote. 409 if it is not completed, was undone already, or some of
    its transactions were edited since (send `{"force": true}` to remove the others and keep those)."""
    imp = _import(request, id)
    try:
        services.import_undo(user=request.user, imp=imp, force=bool(payload and payload.force), request=request)
    except services.ImportConflict as error:
        raise _conflict(error) from None
    return _one(imp)
