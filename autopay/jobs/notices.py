"""Autopay batch jobs: notices (registered on import by autopay/batch.py)."""
