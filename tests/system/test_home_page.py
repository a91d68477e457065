import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_anonymous_visitors_see_the_landing_page(client):
    response = client.get(reverse("home"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Your face stays yours" in html
    assert "Photos are deleted as soon as the analysis ends, by default." in html
    assert f'href="{reverse("accounts:signup")}"' in html


def test_signed_in_users_see_their_dashboard(alice_client):
    response = alice_client.get(reverse("home"))

    html = response.content.decode()
    assert "Hi alice, how are you feeling?" in html
    assert "Your preferences" in html
    assert "Delete as soon as the analysis ends" in html
    assert "Your face stays yours" not in html


def test_the_dashboard_puts_photo_analysis_first(alice_client):
    response = alice_client.get(reverse("home"))

    upload = reverse("emotions:upload")
    assert response.context["analyse"].url == upload
    assert [link.label for link, _ in response.context["cards"]] == [
        "Webcam",
        "Live",
        "History",
        "Discover music",
        "Playlists",
        "My ratings",
    ]
    assert f'<a class="btn btn-lg" href="{upload}">'.encode() in response.content


def test_every_dashboard_card_says_what_its_page_does(alice_client):
    response = alice_client.get(reverse("home"))

    assert all(description for _, description in response.context["cards"])


def test_the_navigation_shows_every_product_page(alice_client):
    html = alice_client.get(reverse("home")).content.decode()

    for label, name in [
        ("Analyse a photo", "emotions:upload"),
        ("History", "emotions:history"),
        ("Webcam", "emotions:webcam"),
        ("Discover music", "music:discover"),
    ]:
        assert f'<li><a href="{reverse(name)}">{label}</a></li>' in html
