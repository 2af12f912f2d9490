#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cis.settings")
    # A checkout with no configuration at all is a developer's: run management commands in
    # development mode (SQLite, eager tasks). Deployments always set DJANGO_SECRET_KEY, so
    # they never fall into this.
    if not os.environ.get("DJANGO_SECRET_KEY"):
        os.environ.setdefault("DJANGO_DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
