"""The batch framework (DESIGN §6): jobs register here, the runner chunks and records."""

from .registry import BatchJob, ChunkResult, get_job, job_names, register
from .runner import batch_run, batch_run_chunk, batch_start

__all__ = [
    "BatchJob",
    "ChunkResult",
    "batch_run",
    "batch_run_chunk",
    "batch_start",
    "get_job",
    "job_names",
    "register",
]
