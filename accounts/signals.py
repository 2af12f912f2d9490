"""Domain signals of the accounts app, always sent after commit."""

from django.dispatch import Signal

# Sent with `bill_ids: list[int]` once completed bills are committed (autopay listens).
bill_completed = Signal()
