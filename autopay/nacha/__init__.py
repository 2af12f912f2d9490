"""NACHA ACH files: the PPD debit writer and the reader for returns and NOCs.

Pure Python, no models: dataclasses in, text out (and back). See README "NACHA files".
"""

from .errors import NachaFieldError, NachaFormatError
from .reader import nacha_file_read
from .records import AchFile, BatchRecord, ChangeItem, EntryRecord, ReturnItem
from .writer import (
    AccountType,
    Batch,
    Entry,
    FileHeader,
    OffsetAccount,
    WrittenFile,
    nacha_file_write,
)

__all__ = [
    "AccountType",
    "AchFile",
    "Batch",
    "BatchRecord",
    "ChangeItem",
    "Entry",
    "EntryRecord",
    "FileHeader",
    "NachaFieldError",
    "NachaFormatError",
    "OffsetAccount",
    "ReturnItem",
    "WrittenFile",
    "nacha_file_read",
    "nacha_file_write",
]
