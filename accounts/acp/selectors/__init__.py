"""Reads for the Account Control Panel, one module per part of the screen."""
