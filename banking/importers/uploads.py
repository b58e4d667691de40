"""Uploads bigger than the largest bank file (IMPORT_MAX_BYTES) are refused before they are read.

Django streams uploaded files to a temporary file without any size limit of its own. This handler, first
in FILE_UPLOAD_HANDLERS, looks at the request's declared length before a byte of the body is read: over
the limit, every file in the body is skipped (nothing reaches the disk) while the small fields beside it
are still read, so a browser's CSRF token is checked as usual and the page can say what to fix;
`request.upload_too_large` tells the view to answer 400 (a page) or 413 (the API). A body that lies about
its length is stopped once it passes the limit.
"""

from typing import cast

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile, StopUpload
from django.http import HttpRequest

# Room for the multipart framing and the small form fields sent with the file.
OVERHEAD = 64 * 1024


class _FlaggedRequest(HttpRequest):
    upload_too_large: bool


def is_too_large(request) -> bool:
    return bool(getattr(request, "upload_too_large", False))


class SizeLimitUploadHandler(FileUploadHandler):
    def __init__(self, request=None):
        super().__init__(request)
        self.received = 0
        self.too_large = False

    def _refuse(self) -> None:
        if self.request is not None:
            cast(_FlaggedRequest, self.request).upload_too_large = True

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length > settings.IMPORT_MAX_BYTES + OVERHEAD:
            self.too_large = True
            self._refuse()
        return None  # the body is parsed: its files are skipped below, its fields kept

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        if self.too_large:
            raise SkipFile()

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.IMPORT_MAX_BYTES:
            self._refuse()
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None
