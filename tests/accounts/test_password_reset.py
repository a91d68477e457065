import re

import pytest
from django.core import mail
from django.http import HttpRequest
from django.urls import reverse

RESET = reverse("accounts:password_reset")
NEW_PASSWORD = "a-brand-new-melody-2024"


def reset_link(message) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/password/reset/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_it_emails_a_reset_link_that_sets_a_new_password(client, alice):
    response = client.post(RESET, {"email": "alice@example.com"})
    assert response.status_code == 302
    assert response.url == reverse("accounts:password_reset_done")

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.com"]
    assert message.subject == "Reset your FerMusic password"
    assert "alice" in message.body

    # The emailed link redirects once to a URL that hides the token from referrers.
    form_page = client.get(reset_link(message), follow=True)
    assert form_page.status_code == 200
    assert form_page.context["validlink"] is True

    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.url == reverse("accounts:password_reset_complete")

    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    # django-axes needs the request that a log-in comes with.
    assert client.login(request=HttpRequest(), username="alice", password=NEW_PASSWORD)


def test_the_address_is_matched_whatever_its_case(client, alice):
    client.post(RESET, {"email": "ALICE@Example.com"})

    assert [m.to for m in mail.outbox] == [["alice@example.com"]]


@pytest.mark.django_db
def test_it_does_not_reveal_whether_an_address_has_an_account(client):
    response = client.post(RESET, {"email": "nobody@example.com"})

    assert response.status_code == 302
    assert response.url == reverse("accounts:password_reset_done")
    assert mail.outbox == []


def test_a_reset_link_works_only_once(client, alice):
    client.post(RESET, {"email": "alice@example.com"})
    link = reset_link(mail.outbox[0])
    form_page = client.get(link, follow=True)
    client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    again = client.get(link, follow=True)

    assert again.context["validlink"] is False
    assert b"This link no longer works" in again.content
