"""Batch jobs of the autopay app, one module per stage of seed 001."""
