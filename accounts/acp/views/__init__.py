"""Thin views of the Account Control Panel: parse a form, call one service, render."""
