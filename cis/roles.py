"""The three roles and what each may do. Synced after every migrate, so permissions added
by later apps reach the groups without hand work."""

from django.apps import apps as django_apps
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
    # Refunds (issue 13 item 2): a CSR requests one, a Supervisor approves it.
    ("accounts", "add_refund"),
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
    ("delinquency", "view_"),  # the Reports menu too (delinquency.view_reports)
    ("delinquency", "add_"),
    # seed 004 Arrangements tab: Add and Delete sit side by side for whoever works it.
    ("delinquency", "delete_arrangement"),
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
    # No Penalty on an account (seed 000) is a Supervisor's (and an Administrator's: all).
    ("delinquency", "change_no_penalty"),
    # Writing off an uncollectible balance (README "Write-offs").
    ("delinquency", "write_off_account"),
    # Deleting an open service order entered by mistake (issue 11); a CSR cancels.
    ("serviceorders", "delete_serviceorder"),
    # Shut-off protections (issue 12 item 7): a Supervisor records them, a CSR views.
    ("delinquency", "add_medicalcertificate"),
    ("delinquency", "add_billdispute"),
    ("delinquency", "change_billdispute"),
    ("cis", "view_piirevealaudit"),
    # To Do entries: a CSR takes and completes entries; a supervisor hands them to others.
    ("accounts", "reassign_todoentry"),
    # Recurring items change what bills charge: a CSR sees them, a supervisor adds and
    # deactivates (seed 004 Recurring Items tab).
    ("accounts", "add_recurringitem"),
    ("accounts", "change_recurringitem"),
    ("accounts", "view_secure_document"),
    ("accounts", "approve_refund"),
]


# Granted only by name, never by a prefix such as "view_".
SENSITIVE = {
    "view_private_account",
    "reveal_pii",
    "view_secure_document",
    # Shut-off protections: Supervisors only, not a CSR's "add_" of delinquency.
    "add_medicalcertificate",
    "add_billdispute",
    "change_billdispute",
}


def _matching(rules, permissions) -> list[Permission]:
    perms = []
    for app_label, code in rules:
        for perm in permissions.get(app_label, ()):
            if code.endswith("_"):
                if perm.codename.startswith(code) and perm.codename not in SENSITIVE:
                    perms.append(perm)
            elif perm.codename == code:
                perms.append(perm)
    return perms


def roles_sync() -> None:
    """Create the role groups and grant them their permissions (idempotent)."""
    everything = list(Permission.objects.select_related("content_type"))
    by_app: dict[str, list[Permission]] = {}
    for perm in everything:
        by_app.setdefault(perm.content_type.app_label, []).append(perm)
    wanted = {
        CSR: _matching(_CSR, by_app),
        SUPERVISOR: _matching(_SUPERVISOR, by_app),
        # Administrators may do everything, private accounts included.
        ADMINISTRATOR: everything,
    }
    for name, perms in wanted.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(perms)


def roles_sync_handler(sender, **kwargs) -> None:
    # post_migrate comes once per app (after every migrate, and after every flush of a
    # transactional test), after that app's permissions exist: sync once, after the last.
    with_models = [a for a in django_apps.get_app_configs() if a.models_module is not None]
    if with_models and sender is not with_models[-1]:
        return
    roles_sync()
