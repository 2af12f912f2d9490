"""Frozen FTs and their GL lines are immutable: through the ORM and, on PostgreSQL,
through raw SQL (the trigger of migration 0002)."""

from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from accounts.models import FinancialTransaction, FrozenLedgerError, GLLine
from accounts.tests.factories import billed_sa


@pytest.fixture
def frozen_ft(db):
    sa = billed_sa(Decimal("80.00"))
    return FinancialTransaction.objects.get(sa=sa)


def test_orm_save_of_frozen_ft_is_refused(frozen_ft):
    frozen_ft.current_amount = Decimal("1.00")
    with pytest.raises(FrozenLedgerError):
        frozen_ft.save()
    assert FinancialTransaction.objects.get(pk=frozen_ft.pk).current_amount == Decimal("80.00")


def test_orm_queryset_update_and_delete_are_refused(frozen_ft):
    with pytest.raises(FrozenLedgerError):
        FinancialTransaction.objects.filter(pk=frozen_ft.pk).update(current_amount=0)
    with pytest.raises(FrozenLedgerError):
        FinancialTransaction.objects.filter(pk=frozen_ft.pk).delete()
    with pytest.raises(FrozenLedgerError):
        frozen_ft.delete()
    assert FinancialTransaction.objects.filter(pk=frozen_ft.pk).exists()


def test_orm_changes_to_gl_lines_of_frozen_ft_are_refused(frozen_ft):
    line = frozen_ft.gl_lines.first()
    line.amount = Decimal("0")
    with pytest.raises(FrozenLedgerError):
        line.save()
    with pytest.raises(FrozenLedgerError):
        GLLine.objects.filter(ft=frozen_ft).update(amount=0)
    with pytest.raises(FrozenLedgerError):
        GLLine.objects.filter(ft=frozen_ft).delete()
    assert frozen_ft.gl_lines.count() == 2


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE accounts_financialtransaction SET current_amount = 0 WHERE id = %s",
        "DELETE FROM accounts_financialtransaction WHERE id = %s",
        "UPDATE accounts_glline SET amount = 0 WHERE ft_id = %s",
        "DELETE FROM accounts_glline WHERE ft_id = %s",
    ],
)
def test_raw_sql_cannot_change_frozen_ledger_on_postgres(frozen_ft, sql):
    assert connection.vendor == "postgresql"
    with (
        pytest.raises(DatabaseError, match="frozen"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [frozen_ft.pk])
    frozen_ft.refresh_from_db()
    assert frozen_ft.current_amount == Decimal("80.00")
    assert frozen_ft.gl_lines.count() == 2
