"""Autopay batch jobs: extract (registered on import by autopay/batch.py)."""
