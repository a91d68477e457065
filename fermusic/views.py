from django.http import HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.http import require_safe

from accounts.models import PRIVACY_NOTICE_VERSION, User
from fermusic.context_processors import app_links
from music.selectors import sample_track

# What each dashboard card says about the page it links to, keyed by URL name.
DASHBOARD_DESCRIPTIONS = {
    "emotions:upload": "Upload a photo of your face and get music for the mood it shows.",
    "emotions:webcam": "Take a snapshot with your camera instead of uploading a file.",
    "emotions:live": "Let the music follow your expression as it changes, in real time.",
    "emotions:history": "See the moods we read from your past photos.",
    "music:discover": "Browse the catalogue by mood, energy and tempo.",
    "music:playlists": "Play the lists you saved, and the playlists our editors put together.",
    "music:ratings": "Review the tracks you rated; they shape what we suggest next.",
}


def home(request):
    if not request.user.is_authenticated:
        return render(request, "home.html", {"sample": sample_track()})
    links = app_links(request)
    analyse = next((link for link in links if link.name == "emotions:upload"), None)
    cards = [(link, DASHBOARD_DESCRIPTIONS.get(link.name, "")) for link in links if link is not analyse]
    return render(request, "home.html", {"analyse": analyse, "cards": cards})


@require_safe
def favicon(request):
    """Browsers ask for /favicon.ico on pages that name no icon (the admin, the API)."""
    return HttpResponsePermanentRedirect(static("favicon.png"))


@require_safe
def privacy_notice(request):
    """What is processed, why, for how long, and the user's rights (PRIVACY_NOTICE_VERSION)."""
    return render(
        request,
        "privacy.html",
        {"notice_version": PRIVACY_NOTICE_VERSION, "retention_choices": User.PhotoRetention.choices},
    )
