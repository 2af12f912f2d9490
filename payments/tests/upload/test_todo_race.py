"""One open To Do per staging record in error, also when two runs race (seed 003 step 7.4)."""

import threading

import pytest
from django.db import IntegrityError, connection

from accounts.models import ToDoEntry
from accounts.services.work import todo_create
from payments.models import UploadException
from payments.upload import todo

from .staging import DAY, upload

pytestmark = [pytest.mark.usefixtures("pay_ref"), pytest.mark.django_db(transaction=True)]


def bad_line_exception() -> UploadException:
    upload([{"account_reference": "NO-SUCH", "amount": None, "amount_text": "12,x"}])
    from cis.batch import batch_run

    batch_run(job_name="payment_upload", business_date=DAY)
    return UploadException.objects.get()


def test_a_second_open_todo_for_the_same_staging_record_is_refused_by_the_database():
    source = todo.exception_source(bad_line_exception())
    todo_create(type_code=todo.TODO_TYPE, subject="first", source=source)
    with pytest.raises(IntegrityError):
        todo_create(type_code=todo.TODO_TYPE, subject="second", source=source)


def test_two_runs_that_both_saw_no_todo_leave_one(monkeypatch):
    """Both transactions check for an open entry before either inserts (the barrier holds
    them there); the unique index makes the later insert wait for the first and then skip.
    Without `one_open_todo_per_staging_record` both inserts succeed and this test fails."""
    exc = bad_line_exception()
    barrier = threading.Barrier(2, timeout=20)
    real_create = todo.todo_create

    def create_after_both_checked(**kwargs):
        barrier.wait()
        return real_create(**kwargs)

    monkeypatch.setattr(todo, "todo_create", create_after_both_checked)
    results, failures = [], []

    def worker():
        from django.db import transaction

        try:
            with transaction.atomic():
                results.append(todo.todos_create([UploadException.objects.get(pk=exc.pk)], DAY))
        except Exception as err:  # noqa: BLE001 - reported below
            failures.append(err)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not failures
    assert sorted((r.done, r.skipped) for r in results) == [(0, 1), (1, 0)]
    assert ToDoEntry.objects.filter(source=todo.exception_source(exc)).count() == 1
