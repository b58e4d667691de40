"""The site's date formats (FORMAT_MODULE_PATH): one for dates, one for date-times, wherever a person reads them."""
