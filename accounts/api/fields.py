"""Related fields whose choices are what the requesting user may see (issue 7 items 11,
12): a private customer's account or SA is "does not exist" for a role without
`view_private_account`, word for word the answer a wrong number or id gets, so an input
never tells which private numbers exist. The serializer needs the request in its context;
without one nothing private is a choice."""

from rest_framework import serializers

from cis.api.fields import LookupField

from ..selectors import rows_visible


class VisibleMixin:
    def __init__(self, *, via: str = "customer", **kwargs):
        self.via = via  # the lookup from the field's model to its Customer
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return rows_visible(
            super().get_queryset(), user=getattr(request, "user", None), via=self.via
        )


class VisibleSlugRelatedField(VisibleMixin, LookupField):
    """Also refuses a NUL byte with a 400 (issue 7 item 14)."""


class VisiblePrimaryKeyRelatedField(VisibleMixin, serializers.PrimaryKeyRelatedField):
    pass
