"""Pages for recommendations, ratings and playlists: the fragment of a detection's result
with its stored list under the reading (the result pages swap it in whenever the
detection changes), Discover (music for an emotion or a mood chosen without a photo),
Recently recommended, My ratings, and Playlists (the listener's own, saved from a list,
beside the published curated ones). All work without JavaScript (forms that post and
redirect back); static/js/music/ sends the same forms with fetch and swaps the returned
fragment in (a stored list: shown-list.js) or reranks the list in place (Discover:
recommendations.js), and static/js/music/player.js plays any list."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from emotions.api.serializers import DetectionSerializer
from emotions.engine.labels import EMOTIONS
from emotions.models import Detection
from emotions.presentation import EMOTION_STYLE
from music.api.serializers import ChosenFeelingSerializer, present
from music.filters import BROWSE_FIELDS, DiscoverFilter
from music.models import Playlist, Rating, RecommendationLog, ShownList, Track
from music.moods.labels import MOODS
from music.sections import base_context, detection_music_context, list_context
from music.services import playlists as playlist_service
from music.services import shown_lists
from music.services.mood_model import moods_for
from music.services.ratings import rate as rate_track
from music.services.ratings import unrate
from music.services.recommendations import Recommendations, recommend_and_log

RATINGS_PAGE_SIZE = 25
RECENT_PAGE_SIZE = 10
PICKS_PAGE_SIZE = 10
MAX_PICK_PAGES = 5  # 50 picks: as many as the API gives in one list
BROWSE_PAGE_SIZE = 20
FEELING_PARAMS = ("emotion", "mood", "strategy", "seed")

# How each mood is shown: an icon (a symbol of static/img/icons.svg) and a one-line description.
MOOD_STYLE = {
    "happy": {"icon": "mood-happy", "label": "Happy", "description": "Bright, upbeat songs"},
    "energetic": {"icon": "mood-energetic", "label": "Energetic", "description": "Loud, driving songs"},
    "calm": {"icon": "mood-calm", "label": "Calm", "description": "Quiet, gentle songs"},
    "sad": {"icon": "mood-sad", "label": "Sad", "description": "Slow, tender songs"},
}


def _wants_json(request) -> bool:
    return request.headers.get("Accept", "").startswith("application/json")


@login_required
def discover(request):
    """Music without a photo. With ?emotion= or ?mood= (and optionally strategy, seed,
    page): the ranked picks for it, 10 a page, each list logged; a JSON request gets
    the list as the API gives it. With a search or a filter (title or artist, genre,
    decade, energy, tempo): the catalogue's matching songs, most popular first, within
    the chosen feeling's moods when one is chosen, 20 a page."""
    chosen = {key: value for key, value in request.GET.items() if key in FEELING_PARAMS}
    browse = DiscoverFilter(request.GET or None, queryset=Track.objects.all())
    filters = {name: request.GET[name] for name in BROWSE_FIELDS if request.GET.get(name, "").strip()}
    context = {
        "emotions": [(e, EMOTION_STYLE[e]) for e in EMOTIONS],
        "moods": [(m, MOOD_STYLE[m]) for m in MOODS],
        "strategy": chosen.get("strategy") or request.user.mood_strategy,
        "chosen": chosen,
        "browse_form": browse.form,
        "filters": filters,
    }
    wanted = "emotion" in chosen or "mood" in chosen
    if not wanted and not filters:
        if _wants_json(request):
            return JsonResponse(
                {"detail": "Choose an emotion or a mood.", "errors": {"emotion": ["Choose one."]}}, status=400
            )
        return render(request, "music/discover.html", context)
    query = ChosenFeelingSerializer(data=chosen)
    if wanted and not query.is_valid():
        message = "Choose one of the emotions or moods shown."
        if _wants_json(request):
            return JsonResponse({"detail": message, "errors": query.errors}, status=400)
        messages.error(request, message)
        return render(request, "music/discover.html", context, status=400)
    if filters:
        if not browse.is_valid():
            messages.error(request, "Choose the filters from the lists shown.")
            return render(request, "music/discover.html", context, status=400)
        return _browse(request, context, browse, query.validated_data if wanted else None)
    page = _pick_page(request.GET.get("page"))
    n = PICKS_PAGE_SIZE * page
    recs, log = recommend_and_log(request.user, RecommendationLog.Surface.DISCOVER, **{**query.validated_data, "n": n})
    shown = Recommendations(**{**vars(recs), "items": recs.items[n - PICKS_PAGE_SIZE :]})
    if _wants_json(request):
        return JsonResponse(present(shown, log))
    params = {"emotion": recs.emotion, "strategy": recs.strategy} if recs.emotion else {"mood": recs.moods[0]}
    if page > 1:
        params["page"] = page
    list_url = f"{reverse('music:discover')}?{urlencode(params)}"
    more_url = None
    if page < MAX_PICK_PAGES and len(recs.items) == n:
        more_url = f"{reverse('music:discover')}?{urlencode({**params, 'page': page + 1, 'seed': recs.seed})}"
    context.update(
        recs=shown,
        list_url=list_url,
        more_url=more_url,
        page_number=page,
        first_position=n - PICKS_PAGE_SIZE + 1,
        save_tracks=[item.track for item in shown.items],
        # A rating made without JavaScript comes back to the same exploration, reranked.
        next_url=f"{list_url}&{urlencode({'seed': recs.seed})}",
    )
    if request.GET.get("fragment") == "list":
        return render(request, "music/_recommendations_fragment.html", context)
    return render(request, "music/discover.html", context)


@never_cache
@login_required
@require_GET
def detection_result(request, pk):
    """The result of one of my detections with its stored list under the reading
    (templates/music/_shown_list.html), as an HTML fragment that the result pages swap
    in whenever the detection changes (analysis finished, another face chosen, the
    reading corrected). ``?level=3`` nests its headings one deeper; ``?subject=`` (face
    or everyone) chooses whose list; ``?fragment=list`` gives the music section alone.
    Another user's detection is a 404."""
    detection = _owned_detection(request, pk)
    heading_level = 3 if request.GET.get("level") == "3" else 2
    if request.GET.get("fragment") == "list":
        return _music_response(request, detection, request.GET.get("subject"), heading_level=heading_level)
    d = DetectionSerializer(detection).data
    context = {
        "d": d,
        "heading_level": heading_level,
        **detection_music_context(request, detection, request.GET.get("subject"), heading_level=heading_level),
    }
    return render(request, "music/detection_result.html", context)


def _pick_page(value: str | None) -> int:
    return min(int(value), MAX_PICK_PAGES) if value and value.isdigit() and int(value) >= 1 else 1


def _browse(request, context: dict, browse: DiscoverFilter, feeling: dict | None):
    songs = browse.qs
    if feeling:
        if feeling.get("emotion"):
            strategy = feeling.get("strategy") or request.user.mood_strategy
            moods = moods_for(feeling["emotion"], strategy)
            context["strategy"] = strategy
        else:
            moods = [feeling["mood"]]
        songs = songs.filter(mood__in=moods)
        context["browse_moods"] = moods
    songs = songs.prefetch_related("genres").order_by("-popularity", "pk").distinct()
    page = Paginator(songs, BROWSE_PAGE_SIZE).get_page(request.GET.get("page"))
    mine = {r.track_id: r for r in Rating.objects.owned_by(request.user).filter(track__in=page.object_list)}
    for track in page.object_list:
        track.my_rating = mine.get(track.pk)
    others = request.GET.copy()
    others.pop("page", None)
    context.update(
        browsing=True,
        browse_page=page,
        page_query=others.urlencode(),
        save_tracks=list(page.object_list),
        next_url=request.get_full_path(),
    )
    return render(request, "music/discover.html", context)


@login_required
def ratings(request):
    """My ratings, newest first, optionally only likes or only dislikes."""
    shown = request.GET.get("show", "all")
    mine = Rating.objects.owned_by(request.user).select_related("track")
    counts = {"all": mine.count(), "likes": mine.filter(value=Rating.Value.LIKE).count()}
    counts["dislikes"] = counts["all"] - counts["likes"]
    if shown == "likes":
        mine = mine.filter(value=Rating.Value.LIKE)
    elif shown == "dislikes":
        mine = mine.filter(value=Rating.Value.DISLIKE)
    else:
        shown = "all"
    page = Paginator(mine, RATINGS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "music/ratings.html", {"page": page, "shown": shown, "counts": counts, "mood_style": MOOD_STYLE}
    )


@login_required
@require_POST
def rate(request):
    """Like, dislike or clear (value 0) my rating of a track, then go back to the
    page it came from. The pages' scripts use the API instead."""
    track_id = request.POST.get("track", "")
    if not track_id.isdigit():
        raise Http404("No such track.")
    track = get_object_or_404(Track, pk=track_id)
    value = request.POST.get("value", "")
    if value == "0":
        if unrate(request.user, track):
            messages.success(request, f"Removed your rating of “{track.title}”.")
    elif value in ("1", "-1"):
        rate_track(request.user, track, int(value))
        if value == "1":
            messages.success(request, f"You like “{track.title}”. Songs like it move up.")
        else:
            messages.success(request, f"You dislike “{track.title}”. It won't be recommended to you again.")
    else:
        messages.error(request, "A rating is a like or a dislike.")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = reverse("music:ratings")
    return redirect(back)


# --- Playlists ---------------------------------------------------------------------------


def _safe_next(request, fallback: str) -> str:
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return back
    return fallback


def _own_playlist(request, pk: int) -> Playlist:
    """The listener's own playlist, or 404 (another's is not theirs to see exist)."""
    return get_object_or_404(Playlist.objects.owned_by(request.user), pk=pk)


def _is_id(value: str) -> bool:
    # A primary key is a 64-bit integer: longer digit strings name nothing.
    return value.isascii() and value.isdigit() and len(value) <= 18


def _track_id(request) -> int:
    value = request.POST.get("track", "")
    if not _is_id(value):
        raise Http404("No such song in this playlist.")
    return int(value)


@login_required
def playlists(request):
    """My playlists, newest change first, and the published curated ones."""
    mine = Playlist.objects.owned_by(request.user).annotate(track_total=Count("entries")).order_by("-updated_at", "-pk")
    curated = Playlist.objects.published().annotate(track_total=Count("entries")).order_by("name", "pk")
    return render(request, "music/playlists.html", {"mine": mine, "curated": curated})


@login_required
def playlist(request, pk: int):
    """One playlist to play: the listener's own (with its editing controls) or a
    published curated one; anything else is a 404."""
    chosen = get_object_or_404(Playlist.objects.visible_to(request.user), pk=pk)
    entries = chosen.entries.select_related("track").order_by("position", "pk")
    return render(
        request,
        "music/playlist.html",
        {"playlist": chosen, "entries": entries, "editable": chosen.owner_id == request.user.pk},
    )


@login_required
@require_POST
def save_playlist(request):
    """'Save this list': the posted songs (``track``, in order) become a new playlist of mine."""
    ids = [int(v) for v in request.POST.getlist("track") if _is_id(v)]
    try:
        saved = playlist_service.save_list(request.user, ids, request.POST.get("name"))
    except playlist_service.PlaylistError as exc:
        messages.error(request, str(exc))
        return redirect(_safe_next(request, reverse("music:playlists")))
    messages.success(request, f"Saved “{saved.name}” with {saved.entries.count()} songs. Only you can see it.")
    return redirect("music:playlist", pk=saved.pk)


@login_required
@require_POST
def rename_playlist(request, pk: int):
    mine = _own_playlist(request, pk)
    try:
        playlist_service.rename(mine, request.POST.get("name", ""))
    except playlist_service.PlaylistError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Renamed to “{mine.name}”.")
    return redirect("music:playlist", pk=mine.pk)


@login_required
@require_POST
def move_in_playlist(request, pk: int):
    """Move a song up or down one place, or to a given position."""
    mine = _own_playlist(request, pk)
    track_id = _track_id(request)
    current = playlist_service.position_of(mine, track_id)
    if current is None:
        raise Http404("No such song in this playlist.")
    direction, to = request.POST.get("direction"), request.POST.get("position", "")
    if direction in ("up", "down"):
        position = current - 1 if direction == "up" else current + 1
    elif _is_id(to) and int(to) >= 1:
        position = int(to)
    else:
        messages.error(request, "Say where the song goes: up, down or a position.")
        return redirect("music:playlist", pk=mine.pk)
    playlist_service.move(mine, track_id, max(1, position))
    return redirect(f"{reverse('music:playlist', args=[mine.pk])}#entry-{track_id}")


@login_required
@require_POST
def remove_from_playlist(request, pk: int):
    mine = _own_playlist(request, pk)
    if playlist_service.remove(mine, _track_id(request)):
        messages.success(request, "Removed the song from the playlist.")
    return redirect("music:playlist", pk=mine.pk)


@login_required
def delete_playlist(request, pk: int):
    """GET asks to confirm; POST deletes the playlist (the songs stay in the catalogue)."""
    mine = _own_playlist(request, pk)
    if request.method == "POST":
        name = mine.name
        mine.delete()
        messages.success(request, f"Deleted the playlist “{name}”.")
        return redirect("music:playlists")
    return render(request, "music/playlist_delete.html", {"playlist": mine})


# --- A detection's stored list ----------------------------------------------------------


def _wants_fragment(request) -> bool:
    """The page's script asks for the music section alone, to swap it in."""
    return request.headers.get("X-Fragment") == "music"


def _music_response(request, detection: Detection, subject: str | None, **extra):
    html = render_to_string(
        "music/_shown_list.html", detection_music_context(request, detection, subject, **extra), request=request
    )
    return HttpResponse(html)


def _owned_detection(request, pk) -> Detection:
    return get_object_or_404(Detection.objects.owned_by(request.user).prefetch_related("faces"), pk=pk)


@login_required
@require_POST
def new_picks(request, pk):
    """A fresh list for what the result's music follows; the earlier one stays in
    Recently recommended."""
    detection = _owned_detection(request, pk)
    subject = request.POST.get("subject")
    if subject not in ShownList.Subject.values:
        subject = ShownList.Subject.FACE
    try:
        shown_lists.new_picks(request.user, detection, subject)
    except shown_lists.NoMusic as exc:
        if _wants_fragment(request):
            return JsonResponse({"detail": exc.message}, status=409)
        messages.error(request, exc.message)
        return redirect(detection)
    if _wants_fragment(request):
        return _music_response(request, detection, subject, announce="Here are new picks.")
    messages.success(request, "Here are new picks. The earlier list is in Recently recommended.")
    return redirect(f"{detection.get_absolute_url()}#recommendations")


def _owned_list(request, pk) -> ShownList:
    return get_object_or_404(ShownList.objects.filter(user=request.user).select_related("detection"), pk=pk)


def _back_to_list(request, shown: ShownList, **query):
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = shown.detection.get_absolute_url() if shown.detection else reverse("music:recent")
    path, _, fragment = back.partition("#")
    if query:
        path = f"{path}{'&' if '?' in path else '?'}{urlencode(query)}"
    return redirect(f"{path}#{fragment}" if fragment else path)


def _list_response(request, shown: ShownList, changed=(), undo=None, announce="", status=200):
    """The list's section after a change: the fragment for the page's script, else
    back to the page it came from."""
    if _wants_fragment(request):
        detection = Detection.objects.prefetch_related("faces").get(pk=shown.detection_id)
        context = {
            **base_context(detection, announce=announce, changed=set(changed)),
            **list_context(shown, detection, undo),
        }
        return HttpResponse(render_to_string("music/_shown_list.html", context, request=request), status=status)
    if announce:
        (messages.success if status == 200 else messages.error)(request, announce)
    return _back_to_list(request, shown, **({"undo": undo.track_id} if undo else {}))


@login_required
@require_POST
def rate_in_list(request, pk):
    """Like (rows above stay, rows below re-rank), dislike (this row is replaced, with
    Undo) or clear (0) a song of a stored list."""
    shown = _owned_list(request, pk)
    track_id, value = request.POST.get("track", ""), request.POST.get("value", "")
    if not track_id.isdigit() or value not in ("1", "-1", "0"):
        return _list_response(request, shown, announce="A rating is a like or a dislike of a song.", status=400)
    track = Track.objects.filter(pk=track_id).first()
    try:
        if track is None:
            raise LookupError
        change = shown_lists.rate_in_list(shown, track, int(value))
    except LookupError:
        return _list_response(request, shown, announce="That song is not in this list any more.", status=400)
    if value == "1":
        said = f"You like “{track.title}”. The songs above it stay; those below were picked again."
    elif value == "-1":
        said = f"You dislike “{track.title}”. Only its row changed."
    else:
        said = f"Removed your rating of “{track.title}”."
    return _list_response(request, shown, change.changed, change.undo, said)


@login_required
@require_POST
def undo_dislike(request, pk):
    """Bring back the song disliked in this list, to its row, and remove the dislike."""
    shown = _owned_list(request, pk)
    track_id = request.POST.get("track", "")
    track = Track.objects.filter(pk=track_id).first() if track_id.isdigit() else None
    try:
        if track is None:
            raise LookupError
        changed = shown_lists.undo_dislike(shown, track)
    except LookupError:
        return _list_response(request, shown, announce="There is nothing to undo for that song.", status=400)
    return _list_response(request, shown, changed, announce=f"“{track.title}” is back, and your dislike is removed.")


@login_required
def recent(request):
    """Recently recommended: every list once shown, most recent first, with its songs."""
    page = Paginator(shown_lists.recent(request.user), RECENT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "music/recent.html", {"page": page, "emotion_style": EMOTION_STYLE})
