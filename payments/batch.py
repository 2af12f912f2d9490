"""Batch jobs of the payments app: the upload chain (files import -> upload -> To Do ->
retry -> purge)."""

from .upload import job, maintenance, todo  # noqa: F401  (they register their jobs)
