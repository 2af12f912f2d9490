"""The password prompt before showing an SSN counts wrong passwords like the login page:
after the limit it refuses, says so in the prompt, and the lockout is on record (issue 7
item 17)."""

from django.test import override_settings
from django.urls import reverse

from accounts.tests.conftest import PASSWORD
from cis.models import PiiRevealAudit


def reveal(client, account, password):
    return client.post(
        reverse("acp:reveal", args=[account.number]),
        {"field": "ssn", "password": password},
        HTTP_HX_REQUEST="true",
    )


@override_settings(AXES_FAILURE_LIMIT=3)
def test_reveal_prompt_locks_out_after_repeated_wrong_passwords(client, supervisor, account):
    from axes.models import AccessFailureLog

    client.force_login(supervisor)
    assert b"not correct" in reveal(client, account, "guess-1").content
    reveal(client, account, "guess-2")
    locked = reveal(client, account, "guess-3")
    # shown in the prompt (htmx swaps 422), not replaced by a page htmx would not show
    assert locked.status_code == 422
    assert b"Too many wrong passwords" in locked.content
    refused = reveal(client, account, PASSWORD)
    assert refused.status_code == 422 and b"Too many wrong passwords" in refused.content
    assert not PiiRevealAudit.objects.exists()
    assert AccessFailureLog.objects.filter(username=supervisor.username, locked_out=True).exists()


def test_reveal_with_the_right_password_below_the_limit(client, supervisor, account):
    client.force_login(supervisor)
    reveal(client, account, "guess-1")
    response = reveal(client, account, PASSWORD)
    assert response.status_code == 200 and b"data-revealed" in response.content
    assert PiiRevealAudit.objects.count() == 1


def test_the_password_prompt_posts_even_before_htmx_takes_it_over(client, supervisor, account):
    """A prompt submitted natively (Enter pressed before htmx bound it) must never put the
    password in a URL, a browser history or a server log: the form itself says POST to the
    reveal endpoint, with its CSRF token."""
    import re

    client.force_login(supervisor)
    url = reverse("acp:reveal", args=[account.number])
    html = client.get(url + "?field=ssn", HTTP_HX_REQUEST="true").content.decode()
    form = re.search(r"<form[^>]*reveal-form[^>]*>", html).group(0)
    assert 'method="post"' in form and f'action="{url}"' in form
    assert 'name="csrfmiddlewaretoken"' in html
