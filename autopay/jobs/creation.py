"""Autopay batch jobs: creation (registered on import by autopay/batch.py)."""
