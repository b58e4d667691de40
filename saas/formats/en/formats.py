"""Dates read "30 Nov 2026" and date-times "30 Nov 2026, 14:05" everywhere: pages, e-mails, messages.

Templates use `|date` and `|date:"DATETIME_FORMAT"` (and `MONTH_DAY_FORMAT` for the first day of a range
that names the year once: "1 Nov – 30 Nov 2026"); Python uses `django.utils.formats.date_format`. Dates a
machine reads (`<time datetime>`, CSV, the API) stay ISO 8601.
"""

DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
MONTH_DAY_FORMAT = "j M"
YEAR_MONTH_FORMAT = "F Y"
