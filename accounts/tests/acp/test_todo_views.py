"""The To Do screen over HTTP (issue 8 item 16): what each role sees, the filters, the
header badge, the actions and their permissions, and the home page."""

import pytest
from django.urls import reverse

from accounts import panel
from accounts.models import ToDoEntry, ToDoLog
from accounts.services.work import todo_assign, todo_create
from accounts.tests.conftest import PASSWORD
from accounts.tests.factories import AccountFactory

HX = {"HTTP_HX_REQUEST": "true"}
LIST = {**HX, "HTTP_HX_TARGET": "todo-list"}


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


@pytest.fixture
def queue(reference_data):
    """Entries of three types: two for CSRs (PAYUPLOAD, AUTOPAYMAX), one for supervisors
    (COLLREVIEW), one on a private customer's account."""
    public = AccountFactory(number="1000000101")
    private = AccountFactory(number="1000000102", customer__is_public=False)
    return {
        "upload": todo_create(
            type_code="PAYUPLOAD", subject="Upload row 3 in error", account=public
        ),
        "autopay": todo_create(
            type_code="AUTOPAYMAX", subject="Autopay capped at maximum", account=public
        ),
        "review": todo_create(
            type_code="COLLREVIEW", subject="Review for collection", account=public
        ),
        "private": todo_create(
            type_code="PAYUPLOAD", subject="Private customer upload row", account=private
        ),
    }


def subjects(response) -> set[str]:
    """The subjects listed in the table (not the type filter's options)."""
    html = response.content.decode()
    html = html[html.index('aria-label="To Do entries"') : html.index("</table>")]
    return {
        s
        for s in (
            "Upload row 3 in error",
            "Autopay capped at maximum",
            "Review for collection",
            "Private customer upload row",
        )
        if s in html
    }


@pytest.mark.django_db
def test_a_csr_sees_the_entries_of_their_role_but_not_private_ones(client, csr, queue):
    """Private accounts' entries stay hidden from roles without view_private_account, as
    the accounts themselves are; supervisor-role entries aren't a CSR's work."""
    login(client, csr)
    response = client.get(reverse("acp:todo"))
    assert response.status_code == 200
    assert subjects(response) == {"Upload row 3 in error", "Autopay capped at maximum"}
    detail = client.get(reverse("acp:todo-detail", args=[queue["private"].pk]), **HX)
    assert detail.status_code == 404
    assign = client.post(reverse("acp:todo-action", args=[queue["private"].pk, "assign"]), **HX)
    assert assign.status_code == 404
    assert ToDoEntry.objects.get(pk=queue["private"].pk).assigned_to is None


@pytest.mark.django_db
def test_a_supervisor_sees_every_role_but_not_private_accounts(client, supervisor, queue):
    login(client, supervisor)
    response = client.get(reverse("acp:todo"))
    assert subjects(response) == {
        "Upload row 3 in error",
        "Autopay capped at maximum",
        "Review for collection",
    }


@pytest.mark.django_db
def test_an_administrator_sees_private_accounts_entries(client, admin_user, queue):
    login(client, admin_user)
    assert "Private customer upload row" in subjects(client.get(reverse("acp:todo")))


@pytest.mark.django_db
def test_filters_by_type_role_status_and_assigned_to_me(client, supervisor, csr, queue):
    login(client, supervisor)
    url = reverse("acp:todo")
    assert subjects(client.get(url, {"type": "AUTOPAYMAX"}, **LIST)) == {
        "Autopay capped at maximum"
    }
    assert subjects(client.get(url, {"role": "Supervisor"}, **LIST)) == {"Review for collection"}
    todo_assign(todo=queue["upload"], user=supervisor)
    assert subjects(client.get(url, {"mine": "1"}, **LIST)) == {"Upload row 3 in error"}
    assert subjects(client.get(url, {"status": "being_worked"}, **LIST)) == {
        "Upload row 3 in error"
    }
    assert subjects(client.get(url, {"status": "open"}, **LIST)) == {
        "Autopay capped at maximum",
        "Review for collection",
    }
    assert subjects(client.get(url, {"status": "complete"}, **LIST)) == set()
    # The list alone for htmx (no page chrome), the whole page otherwise.
    assert "<header" not in client.get(url, **LIST).content.decode()


@pytest.mark.django_db
def test_the_badge_counts_my_entries_and_unassigned_ones_for_my_roles(client, csr, queue):
    login(client, csr)
    page = client.get(reverse("acp:todo")).content.decode()
    assert 'id="todo-badge"' in page and 'data-count="2"' in page
    todo_assign(todo=queue["upload"], user=csr)
    badge = client.get(reverse("acp:todo-badge"), **HX).content.decode()
    assert 'data-count="2"' in badge  # still mine, still open
    ToDoEntry.objects.filter(pk=queue["upload"].pk).update(status="complete")
    badge = client.get(reverse("acp:todo-badge"), **HX).content.decode()
    assert 'data-count="1"' in badge


@pytest.mark.django_db
def test_a_csr_assigns_comments_and_completes_over_htmx(client, csr, queue):
    login(client, csr)
    entry = queue["upload"]
    action = lambda name: reverse("acp:todo-action", args=[entry.pk, name])  # noqa: E731
    response = client.post(action("assign"), **HX)
    assert response.status_code == 200 and response["HX-Trigger"] == "acp-todo-changed"
    assert "Assigned to you." in response.content.decode()
    response = client.post(action("comment"), {"text": "Asked the bank for the file."}, **HX)
    assert "Asked the bank for the file." in response.content.decode()
    response = client.post(action("complete"), {"resolution": ""}, **HX)
    assert response.status_code == 422
    assert 'id="id_resolution_error"' in response.content.decode()
    response = client.post(action("complete"), {"resolution": "Posted to 1000000101."}, **HX)
    assert response.status_code == 200 and "Completed." in response.content.decode()
    entry.refresh_from_db()
    assert entry.status == "complete" and entry.completed_by == csr
    assert list(
        ToDoLog.objects.filter(entry=entry).order_by("pk").values_list("kind", flat=True)
    ) == ["assigned", "comment", "completed"]


@pytest.mark.django_db
def test_a_csr_may_not_reassign_a_supervisor_may(client, csr, supervisor, make_user, queue):
    other = make_user("CSR", "bob")
    entry = queue["upload"]
    url = reverse("acp:todo-action", args=[entry.pk, "reassign"])
    login(client, csr)
    assert client.post(url, {"to_user": other.pk}, **HX).status_code == 403
    assert (
        "Reassign to"
        not in client.get(reverse("acp:todo-detail", args=[entry.pk]), **HX).content.decode()
    )
    client.logout()
    login(client, supervisor)
    response = client.post(url, {"to_user": other.pk}, **HX)
    assert response.status_code == 200 and "Reassigned to bob." in response.content.decode()
    entry.refresh_from_db()
    assert entry.assigned_to == other


@pytest.mark.django_db
def test_someone_elses_entry_shows_who_has_it_and_refuses_to_be_taken(
    client, csr, make_user, queue
):
    ann = make_user("CSR", "ann")
    todo_assign(todo=queue["upload"], user=ann)
    login(client, csr)
    url = reverse("acp:todo-action", args=[queue["upload"].pk, "assign"])
    response = client.post(url, **HX)
    assert response.status_code == 422
    assert "already assigned to ann" in response.content.decode()


@pytest.mark.django_db
def test_the_entry_opens_its_account_and_registered_sources(client, csr, queue):
    """Sources resolve through the registry: an app registers its source type and the
    entry links to that record; the account link comes from accounts itself."""
    entry = queue["upload"]
    ToDoEntry.objects.filter(pk=entry.pk).update(source="tests.Widget:9")
    panel.register_todo_source(
        "tests.Widget", lambda user, key: panel.RecordLink(f"widget {key}", f"/w/{key}/")
    )
    try:
        login(client, csr)
        html = client.get(reverse("acp:todo-detail", args=[entry.pk]), **HX).content.decode()
    finally:
        panel._TODO_SOURCES.pop("tests.Widget")
    assert 'href="/w/9/"' in html and "Open widget 9" in html
    assert f'href="{reverse("acp:panel", args=["1000000101"])}"' in html


@pytest.mark.django_db
def test_a_user_without_to_do_permission_gets_no_screen_and_no_badge(
    client, django_user_model, queue
):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("reader", password=PASSWORD)
    user.user_permissions.add(Permission.objects.get(codename="view_account"))
    login(client, user)
    assert client.get(reverse("acp:todo")).status_code == 403
    assert 'id="todo-badge"' not in client.get(reverse("home")).content.decode()


@pytest.mark.django_db
def test_the_home_page_shows_my_entries_and_recently_opened_accounts(client, csr, queue):
    """The CSR's start: what is assigned to them, and the accounts they opened last
    (newest first, private ones never)."""
    todo_assign(todo=queue["autopay"], user=csr)
    login(client, csr)
    client.get(reverse("acp:panel", args=["1000000101"]))
    html = client.get(reverse("home")).content.decode()
    assert "My To Do" in html and "Autopay capped at maximum" in html
    assert "Upload row 3 in error" not in html  # not mine (yet)
    recent = html.split('id="home-recent"')[1]
    assert reverse("acp:panel", args=["1000000101"]) in recent
    assert "1000000102" not in recent
