"""factory_boy factories for the accounts app; other apps' tests build on them."""

import datetime as dt
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from accounts import models


def code_table(model, code, **extra):
    return model.objects.get_or_create(code=code, defaults={"description": code, **extra})[0]


class GLAccountFactory(DjangoModelFactory):
    class Meta:
        model = models.GLAccount
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"G{n:04d}")
    description = factory.LazyAttribute(lambda o: f"GL {o.code}")


class SATypeFactory(DjangoModelFactory):
    class Meta:
        model = models.SAType
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"SAT{n}")
    description = factory.LazyAttribute(lambda o: f"Service {o.code}")
    payment_priority = 50
    receivable_gl = factory.LazyFunction(lambda: GLAccountFactory(code="1100"))
    revenue_gl = factory.LazyFunction(lambda: GLAccountFactory(code="4100"))


class CustomerFactory(DjangoModelFactory):
    class Meta:
        model = models.Customer

    number = factory.Sequence(lambda n: f"C{n:07d}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    ssn = "123456789"
    drivers_license = "D12345678"


class LocationFactory(DjangoModelFactory):
    class Meta:
        model = models.Location

    number = factory.Sequence(lambda n: f"L{n:07d}")
    line1 = factory.Faker("street_address")
    city = "Springfield"
    state = "IL"
    postal_code = "62701"
    revenue_class = factory.LazyFunction(lambda: code_table(models.RevenueClass, "RES"))
    cycle = factory.LazyFunction(lambda: code_table(models.BillCycle, "01"))


class AccountFactory(DjangoModelFactory):
    class Meta:
        model = models.Account

    number = factory.Sequence(lambda n: f"{2_000_000_000 + n}")
    customer = factory.SubFactory(CustomerFactory)
    location = factory.SubFactory(LocationFactory)
    opened_on = dt.date(2020, 1, 1)


class ServiceAgreementFactory(DjangoModelFactory):
    class Meta:
        model = models.ServiceAgreement

    account = factory.SubFactory(AccountFactory)
    sa_type = factory.SubFactory(SATypeFactory)
    start_date = dt.date(2020, 1, 1)


class AdjustmentTypeFactory(DjangoModelFactory):
    class Meta:
        model = models.AdjustmentType
        django_get_or_create = ("code",)

    code = "MISC"
    description = "Miscellaneous charge"
    offset_gl = factory.LazyFunction(lambda: GLAccountFactory(code="4900"))


def billed_sa(
    amount: Decimal = Decimal("100.00"),
    *,
    bill_date=dt.date(2026, 1, 1),
    due_date=dt.date(2026, 1, 22),
    sa=None,
):
    """An SA with one completed bill of `amount` (convenience for tests)."""
    from accounts.services.bills import bill_complete, bill_create

    sa = sa or ServiceAgreementFactory()
    bill = bill_create(
        account=sa.account, bill_date=bill_date, due_date=due_date, segments={sa: amount}
    )
    bill_complete(bill=bill)
    sa.refresh_from_db()
    return sa
