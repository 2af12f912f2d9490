"""Platform records: batch runs, the audit of personal-data reveals, stored results of
idempotent API requests and integrations' API keys."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from rest_framework_api_key.models import AbstractAPIKey, BaseAPIKeyManager

from cis.money import ZERO, money_field


class BatchRun(models.Model):
    """One run of a batch job for one business date.

    A (job, business date) pair has one row: running it again resumes or reports the same
    run instead of doing the work twice. Counts are added to by every chunk, possibly from
    several workers at once, with F() expressions.
    """

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        COMPLETE = "complete", "Complete"
        FAILED = "failed", "Failed"

    job = models.CharField(max_length=60)
    business_date = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    attempts = models.PositiveIntegerField(default=1)
    total = models.PositiveIntegerField(default=0, help_text="Work items found at start.")
    read = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    errored = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    # First ids of the current attempt's chunks already counted in `chunks_done`: a chunk
    # task delivered twice (tasks are acknowledged late) must not close the run early.
    finished_chunks = models.JSONField(default=list, blank=True)
    # Progress in the job's own terms, added to by every chunk of every attempt: the lines
    # it posted (payments of an upload, bills completed), their money, and the lines it
    # refused (each one also in `errors`, up to a limit, and in the job's own records).
    lines = models.PositiveIntegerField(default=0, help_text="Lines posted so far.")
    money = money_field(default=ZERO, help_text="Money of the lines posted so far.")
    line_errors = models.PositiveIntegerField(default=0, help_text="Lines refused so far.")
    errors = models.JSONField(default=list, blank=True)
    # Jobs to start, in order, once this one completes (the nightly chain, DESIGN §6).
    next_jobs = models.JSONField(default=list, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-business_date", "job"]
        constraints = [
            models.UniqueConstraint(fields=["job", "business_date"], name="one_run_per_job_date")
        ]

    def __str__(self) -> str:
        return f"{self.job} {self.business_date} {self.status}"

    @property
    def progress(self) -> float:
        return 1.0 if not self.chunks_total else self.chunks_done / self.chunks_total

    @property
    def seconds(self) -> float | None:
        if not self.finished_at:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class PiiRevealAudit(models.Model):
    """Who revealed which masked value of whom, and when (every reveal writes one)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    customer = models.ForeignKey(
        "accounts.Customer", on_delete=models.PROTECT, related_name="pii_reveals"
    )
    field = models.CharField(max_length=40)
    # Which record's value, where the customer alone does not say (an autopay's bank account).
    detail = models.CharField(max_length=120, blank=True, default="")
    revealed_at = models.DateTimeField(auto_now_add=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-revealed_at"]
        constraints = [models.CheckConstraint(condition=~Q(field=""), name="reveal_names_field")]

    def __str__(self) -> str:
        return f"{self.user} revealed {self.field} of {self.customer_id}"


class IdempotencyKey(models.Model):
    """The stored result of one money-moving API request sent with an `Idempotency-Key`
    header (issue 7 item 16): a repeat with the same key answers this result instead of
    running again. Written in the request's own transaction, so a key exists exactly when
    its effect was committed. Purged after `OPENCIS_IDEMPOTENCY_KEY_DAYS` by the
    `purge_idempotency_keys` batch job."""

    key = models.CharField(max_length=255)
    # Keys are chosen by clients: each user (integration) has its own namespace.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=255)
    # SHA-256 of the canonical JSON request body: a reuse with another body is a 409.
    request_hash = models.CharField(max_length=64)
    # 0 while the request runs (never visible outside its transaction on PostgreSQL).
    response_status = models.PositiveSmallIntegerField(default=0)
    response_body = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="one_result_per_user_key")
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} key {self.key}"


class UserAPIKeyManager(BaseAPIKeyManager):
    def get_usable_keys(self):
        return super().get_usable_keys().select_related("user")


class UserAPIKey(AbstractAPIKey):
    """An integration's API key (issue 7 item 17): `Authorization: Api-Key <prefix.secret>`
    authenticates as `user`, so the user's roles decide what the key may do. Only the
    prefix and a SHA-512 hash of the key are stored; revoke by setting `revoked`."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys"
    )

    objects = UserAPIKeyManager()

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "API key"
        verbose_name_plural = "API keys"
