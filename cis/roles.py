"""The three roles and what each may do. Synced after every migrate, so permissions added
by later apps reach the groups without hand work."""

from django.contrib.auth.models import Group, Permission

CSR = "CSR"
SUPERVISOR = "Supervisor"
ADMINISTRATOR = "Administrator"
ROLES = (CSR, SUPERVISOR, ADMINISTRATOR)

# (app_label, codename prefix or full codename). A prefix ending in "_" matches all models.
_CSR = [
    ("accounts", "view_"),
    ("accounts", "add_note"),
    ("accounts", "change_note"),
    ("accounts", "add_contact"),
    ("accounts", "change_contact"),
    ("accounts", "delete_contact"),
    ("accounts", "change_customer"),
    ("accounts", "add_customeraddress"),
    ("accounts", "change_customeraddress"),
    ("accounts", "add_customerphone"),
    ("accounts", "change_customerphone"),
    ("accounts", "add_customeremail"),
    ("accounts", "change_customeremail"),
    ("accounts", "change_location"),
    ("accounts", "add_specialcondition"),
    ("accounts", "change_specialcondition"),
    ("accounts", "change_todoentry"),
    # The Account Control Panel's day-to-day edits (issue 3): old phone numbers and
    # addresses go, codes and contacts come and go, documents and attachments are added.
    ("accounts", "delete_customeraddress"),
    ("accounts", "delete_customerphone"),
    ("accounts", "delete_customeremail"),
    ("accounts", "add_customercode"),
    ("accounts", "change_customercode"),
    ("accounts", "delete_customercode"),
    ("accounts", "add_locationcode"),
    ("accounts", "change_locationcode"),
    ("accounts", "delete_locationcode"),
    ("accounts", "add_locationpermit"),
    ("accounts", "change_locationpermit"),
    ("accounts", "delete_locationpermit"),
    ("accounts", "add_customerdocument"),
    ("accounts", "add_noteattachment"),
    ("accounts", "add_contactaddress"),
    ("accounts", "change_contactaddress"),
    ("accounts", "delete_contactaddress"),
    ("accounts", "add_contactemail"),
    ("accounts", "change_contactemail"),
    ("accounts", "delete_contactemail"),
    ("accounts", "add_contactphone"),
    ("accounts", "change_contactphone"),
    ("accounts", "delete_contactphone"),
    # Payments: a CSR adds, distributes and cancels with a reason (cancel, NSF, transfer);
    # deleting an unposted payment or event is a Supervisor's (issue 7 item 13).
    ("accounts", "add_demographic"),
    ("accounts", "change_demographic"),
    ("accounts", "delete_demographic"),
    ("accounts", "add_demographicvariance"),
    ("accounts", "delete_demographicvariance"),
    ("payments", "view_"),
    ("payments", "add_"),
    ("payments", "change_"),
    ("autopay", "view_"),
    ("autopay", "add_"),
    ("autopay", "change_"),
    # seed 004: a CSR setting up a draft reads the number back to the customer; "Show"
    # asks for the password again and every view is audited.
    ("autopay", "reveal_bank_account"),
    ("delinquency", "view_"),
    ("delinquency", "add_"),
    ("serviceorders", "view_"),
    ("serviceorders", "add_"),
    ("serviceorders", "change_"),
    ("cis", "view_batchrun"),
]
_SUPERVISOR = [
    *_CSR,
    ("accounts", "reveal_pii"),
    ("accounts", "add_adjustment"),
    ("accounts", "change_adjustment"),
    ("accounts", "add_"),
    ("accounts", "change_"),
    ("payments", "delete_"),
    ("payments", "import_uploadfile"),
    ("autopay", "delete_"),
    ("delinquency", "change_"),
    # Deleting an open service order entered by mistake (issue 11); a CSR cancels.
    ("serviceorders", "delete_serviceorder"),
    ("cis", "view_piirevealaudit"),
    # To Do entries: a CSR takes and completes entries; a supervisor hands them to others.
    ("accounts", "reassign_todoentry"),
    # Recurring items change what bills charge: a CSR sees them, a supervisor adds and
    # deactivates (seed 004 Recurring Items tab).
    ("accounts", "add_recurringitem"),
    ("accounts", "change_recurringitem"),
    ("accounts", "view_secure_document"),
]


# Granted only by name, never by a prefix such as "view_".
SENSITIVE = {"view_private_account", "reveal_pii", "view_secure_document"}


def _matching(rules) -> list[Permission]:
    perms = []
    for app_label, code in rules:
        qs = Permission.objects.filter(content_type__app_label=app_label)
        if code.endswith("_"):
            qs = qs.filter(codename__startswith=code).exclude(codename__in=SENSITIVE)
        else:
            qs = qs.filter(codename=code)
        perms.extend(qs)
    return perms


def roles_sync() -> None:
    """Create the role groups and grant them their permissions (idempotent)."""
    wanted = {
        CSR: _matching(_CSR),
        SUPERVISOR: _matching(_SUPERVISOR),
        # Administrators may do everything, private accounts included.
        ADMINISTRATOR: list(Permission.objects.all()),
    }
    for name, perms in wanted.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(perms)


def roles_sync_handler(sender, **kwargs) -> None:
    # post_migrate comes once per app, after that app's permissions exist; the sync is
    # idempotent, so syncing each time leaves the groups right after the last app.
    roles_sync()
