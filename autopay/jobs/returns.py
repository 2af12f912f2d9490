"""Autopay batch jobs: returns (registered on import by autopay/batch.py)."""
