"""A web user: a Django user who signs in to /my/ as one customer."""

from django.conf import settings
from django.db import models

from accounts.models import Customer


class WebLogin(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="web_login"
    )
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="web_logins")
    created_at = models.DateTimeField(auto_now_add=True)
    # When a CSR last sent the password-reset email (ACP: Reset Web Login).
    reset_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "payments"
        constraints = [
            models.UniqueConstraint(fields=["customer"], name="one_web_login_per_customer")
        ]

    def __str__(self) -> str:
        return f"Web login {self.user} -> customer {self.customer_id}"
