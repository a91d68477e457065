"""Template context shared by every page: the main navigation."""

from dataclasses import dataclass

from django.urls import reverse

# The signed-in navigation, in order.
APP_LINKS = [
    ("Analyse a photo", "emotions:upload"),
    ("Webcam", "emotions:webcam"),
    ("Live", "emotions:live"),
    ("History", "emotions:history"),
    ("Discover music", "music:discover"),
    ("Playlists", "music:playlists"),
    ("My ratings", "music:ratings"),
]


@dataclass(frozen=True)
class NavLink:
    label: str
    name: str
    url: str
    current: bool


def app_links(request) -> list[NavLink]:
    resolved = [(label, name, reverse(name)) for label, name in APP_LINKS]
    # The longest URL that prefixes the path wins, so /emotions/history/ marks
    # "History" as current and not also a page living at /emotions/.
    matching = [url for _, _, url in resolved if request.path.startswith(url)]
    current = max(matching, key=len, default=None)
    return [NavLink(label, name, url, current=url == current) for label, name, url in resolved]


def navigation(request):
    """Links to the product's pages for signed-in users; nothing for anonymous ones."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_links": []}
    return {"nav_links": app_links(request)}
