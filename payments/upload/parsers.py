"""One parser per upload format: bytes in, a `ParsedFile` out (or `FileRejected`)."""

from collections.abc import Callable

from payments.models import UploadFormat

from . import bai2_file, csv_file, lockbox, processor
from .parsed import FileRejected, ParsedFile

PARSERS: dict[str, Callable[[bytes], ParsedFile]] = {
    UploadFormat.BAI2: bai2_file.parse,
    UploadFormat.LOCKBOX: lockbox.parse,
    UploadFormat.CSV: csv_file.parse,
    UploadFormat.PROCESSOR_CSV: processor.parse,
}


def parse_file(*, data: bytes, format: str) -> ParsedFile:
    try:
        parser = PARSERS[format]
    except KeyError:
        known = ", ".join(PARSERS)
        raise FileRejected(f"unknown format {format!r} (known: {known})") from None
    return parser(data)
