"""Customers, where they are served, and their accounts."""

from django.db import models
from django.db.models import Q

from cis.crypto import EncryptedTextField, mask
from cis.money import ZERO, money_field

from .config import AccountStatusCode, BillCycle, RevenueClass


class Customer(models.Model):
    class Type(models.TextChoices):
        INDIVIDUAL = "individual", "Individual"
        PROFIT = "profit", "Business (for profit)"
        NON_PROFIT = "non_profit", "Non-profit"
        GOVERNMENT = "government", "Government"

    number = models.CharField(max_length=20, unique=True)
    customer_type = models.CharField(max_length=20, choices=Type.choices, default=Type.INDIVIDUAL)
    # Individuals have a title, a name and a spouse; the other types a business name
    # (seed 004, Customer ID section).
    title = models.CharField(max_length=20, blank=True)
    first_name = models.CharField(max_length=60, blank=True)
    middle_name = models.CharField(max_length=60, blank=True)
    last_name = models.CharField(max_length=60, blank=True)
    spouse_name = models.CharField(max_length=120, blank=True)
    business_name = models.CharField(max_length=120, blank=True)
    alternate_id = models.CharField(max_length=40, blank=True, db_index=True)
    account_status = models.ForeignKey(
        AccountStatusCode, null=True, blank=True, on_delete=models.PROTECT
    )
    account_status_assigned_on = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    # Unchecked "Public" makes the customer's accounts private (seed 004): visible only to
    # roles with the `accounts.view_private_account` permission.
    is_public = models.BooleanField(default=True)
    is_bankrupt = models.BooleanField(default=False)
    do_not_accept_payments = models.BooleanField(default=False)
    # Tender categories refused for this customer, e.g. ["check"] for "no checks".
    disallowed_pay_methods = models.JSONField(default=list, blank=True)
    ssn = EncryptedTextField(blank=True, default="")
    drivers_license = EncryptedTextField(blank=True, default="")
    drivers_license_state = models.CharField(max_length=2, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    is_web_user = models.BooleanField(default=False)
    # How statements reach the customer; both may be on. Email notices need an email
    # address on file (seed 004, Customer tab > Address).
    mail_notices = models.BooleanField(default=True)
    email_notices = models.BooleanField(default=False)
    # Values of the utility's customer custom fields, keyed by CustomField.code.
    custom_fields = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number"]
        indexes = [
            models.Index(fields=["last_name", "first_name"]),
            models.Index(fields=["business_name"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(customer_type="individual") | ~Q(last_name=""),
                name="customer_individual_has_last_name",
            ),
            models.CheckConstraint(
                condition=Q(customer_type="individual") | ~Q(business_name=""),
                name="customer_business_has_business_name",
            ),
        ]
        permissions = [
            ("reveal_pii", "Can reveal SSN and driver's license"),
            ("view_private_account", "Can view private accounts"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.display_name}"

    @property
    def is_business(self) -> bool:
        return self.customer_type != self.Type.INDIVIDUAL

    @property
    def display_name(self) -> str:
        if self.is_business:
            return self.business_name
        parts = [self.first_name, self.middle_name[:1] + "." if self.middle_name else ""]
        return " ".join(p for p in [*parts, self.last_name] if p)

    @property
    def ssn_masked(self) -> str:
        return mask(self.ssn)

    @property
    def drivers_license_masked(self) -> str:
        return mask(self.drivers_license)


class CustomerAddress(models.Model):
    class Kind(models.TextChoices):
        MAILING = "mailing", "Mailing"
        BILLING = "billing", "Billing"
        SEASONAL = "seasonal", "Seasonal"
        OTHER = "other", "Other"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="addresses")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.MAILING)
    care_of = models.CharField(max_length=120, blank=True)
    line1 = models.CharField(max_length=120)
    line2 = models.CharField(max_length=120, blank=True)
    city = models.CharField(max_length=60)
    state = models.CharField(max_length=2)
    postal_code = models.CharField(max_length=10)
    county = models.CharField(max_length=60, blank=True)
    country = models.CharField(max_length=2, default="US")
    is_primary = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_primary", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], condition=Q(is_primary=True), name="one_primary_address"
            )
        ]
        verbose_name_plural = "customer addresses"

    def __str__(self) -> str:
        return f"{self.line1}, {self.city}, {self.state} {self.postal_code}"


class CustomerPhone(models.Model):
    class Kind(models.TextChoices):
        HOME = "home", "Home"
        MOBILE = "mobile", "Mobile"
        WORK = "work", "Work"
        FAX = "fax", "Fax"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="phones")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.HOME)
    number = models.CharField(max_length=20, db_index=True, help_text="Digits only.")
    extension = models.CharField(max_length=10, blank=True)
    is_primary = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_primary", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], condition=Q(is_primary=True), name="one_primary_phone"
            )
        ]

    def __str__(self) -> str:
        n = self.number
        return f"({n[:3]}) {n[3:6]}-{n[6:]}" if len(n) == 10 else n


class CustomerEmail(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="emails")
    address = models.EmailField(db_index=True)
    is_primary = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_primary", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], condition=Q(is_primary=True), name="one_primary_email"
            )
        ]

    def __str__(self) -> str:
        return self.address


class Location(models.Model):
    """A service address (premise)."""

    number = models.CharField(max_length=20, unique=True)
    line1 = models.CharField(max_length=120)
    line2 = models.CharField(max_length=120, blank=True)
    city = models.CharField(max_length=60)
    state = models.CharField(max_length=2)
    postal_code = models.CharField(max_length=10)
    cross_street = models.CharField(max_length=120, blank=True)
    description = models.CharField(max_length=120, blank=True)
    revenue_class = models.ForeignKey(RevenueClass, on_delete=models.PROTECT)
    cycle = models.ForeignKey(BillCycle, on_delete=models.PROTECT)
    route = models.CharField(max_length=20, blank=True)
    is_rental = models.BooleanField(default=False)
    owner = models.ForeignKey(
        Customer,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_locations",
        help_text="The landlord of a rental.",
    )
    parcel = models.CharField(max_length=40, blank=True, db_index=True)
    subdivision = models.CharField(max_length=60, blank=True)
    alternate_id = models.CharField(max_length=40, blank=True, db_index=True)
    on_lien = models.BooleanField(default=False)
    # Values of the utility's location custom fields, keyed by CustomField.code.
    custom_fields = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["number"]
        indexes = [models.Index(fields=["line1"])]

    def __str__(self) -> str:
        return f"{self.line1}, {self.city}"


class Account(models.Model):
    """A customer's account at a location: what bills and payments belong to."""

    class ActivityStatus(models.TextChoices):
        CURRENT = "current", "Current"
        WAITING = "waiting", "Waiting"
        FINAL = "final", "Final"

    class ServiceStatus(models.TextChoices):
        CONNECTED = "connected", "Connected"
        SHUT_OFF = "shut_off", "Shut off"

    number = models.CharField(max_length=20, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="accounts")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="accounts")
    activity_status = models.CharField(
        max_length=10, choices=ActivityStatus.choices, default=ActivityStatus.CURRENT
    )
    service_status = models.CharField(
        max_length=10, choices=ServiceStatus.choices, default=ServiceStatus.CONNECTED
    )
    opened_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    # Cached sum of the account's frozen FTs; `check_ledger` proves it. Kept because the
    # dashboard, search results and batch selection read it for every account.
    balance = money_field(default=ZERO, editable=False)
    # Suspense accounts hold payments nobody could identify (seed 003 step 7.0).
    is_suspense = models.BooleanField(default=False)
    # Billing and collection facts the dashboard shows as icons (seed 004, Table 1). Set by
    # the processes that own them (budget enrolment, write-off, collection referral) or by a
    # supervisor on the panel.
    is_budget_billing = models.BooleanField(default=False)
    is_bad_debt = models.BooleanField(default=False)
    in_collections = models.BooleanField(default=False)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return self.number


class ServiceAgreement(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending start"
        ACTIVE = "active", "Active"
        STOPPED = "stopped", "Stopped"
        CLOSED = "closed", "Closed"

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="agreements")
    sa_type = models.ForeignKey("accounts.SAType", on_delete=models.PROTECT)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    rate_code = models.CharField(max_length=20, blank=True)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    # Cached sum of this SA's frozen FTs, see Account.balance.
    balance = money_field(default=ZERO, editable=False)

    class Meta:
        ordering = ["account", "pk"]
        verbose_name = "service agreement"

    def __str__(self) -> str:
        return f"{self.account.number}/{self.sa_type.code}"
