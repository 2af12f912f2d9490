"""Create an API key for a user: `manage.py apikey_create <username> --name NAME`.

The key is printed once (last line of the output) and stored only as a hash: give it to
the integration now. It authenticates as the user (`Authorization: Api-Key <key>`), so the
user's roles decide what it may do."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cis.models import UserAPIKey


class Command(BaseCommand):
    help = "Create an API key for a user and print it once."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="what the key is for (50 characters)")
        parser.add_argument("--expires-days", type=int, help="expire after this many days")

    def handle(self, *args, username, name, expires_days, **options):
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"no user named {username!r}")
        if not user.is_active:
            raise CommandError(f"user {username!r} is inactive")
        expiry = timezone.now() + timedelta(days=expires_days) if expires_days else None
        api_key, key = UserAPIKey.objects.create_key(user=user, name=name, expiry_date=expiry)
        self.stderr.write(
            f"API key {api_key.prefix} for {username} ({name}); shown only now, store it safely:"
        )
        self.stdout.write(key)
