from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

from cis.roles import ADMINISTRATOR, CSR, SUPERVISOR

# Demo credentials only: `make run` creates them for a local trial and prints them.
DEMO_USERS = [
    ("csr", "csr-demo-pass", CSR, "Casey", "Rivera"),
    ("supervisor", "supervisor-demo-pass", SUPERVISOR, "Sam", "Okafor"),
    ("admin", "admin-demo-pass", ADMINISTRATOR, "Alex", "Morgan"),
]


class Command(BaseCommand):
    help = "Create one demo user per role (for local trials) and print their credentials."

    def handle(self, *args, **options):
        User = get_user_model()
        for username, password, role, first, last in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=username, defaults={"first_name": first, "last_name": last}
            )
            if created:
                user.set_password(password)
            user.is_staff = role in (SUPERVISOR, ADMINISTRATOR)
            user.is_superuser = role == ADMINISTRATOR
            user.save()
            user.groups.set([Group.objects.get(name=role)])
        self.stdout.write("Demo users (role: username / password):")
        for username, password, role, _, _ in DEMO_USERS:
            self.stdout.write(f"  {role:<14} {username} / {password}")
        # The web self-care portal's customer (issue 11 item 6), once seed_demo has run.
        from payments.portal.demo import DEMO_WEB_USER, demo_web_user

        account = demo_web_user()
        if account is None:
            self.stdout.write("  (no web user: run seed_demo first for a customer to link)")
        else:
            username, password = DEMO_WEB_USER
            self.stdout.write(
                f"  {'Web user':<14} {username} / {password}  (/my/, account {account.number})"
            )
