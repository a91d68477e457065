"""Pages for recommendations and ratings: a detection's stored list (the music section
of a result, also served alone as a fragment the result page swaps in), Discover
(music for an emotion or a mood chosen without a photo), Recently recommended and My
ratings. All work without JavaScript (forms that post and redirect back);
static/js/music/ sends the same forms with fetch and swaps the returned fragment in."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST

from emotions.engine.labels import EMOTIONS
from emotions.models import Detection
from emotions.presentation import EMOTION_STYLE
from music.api.serializers import ChosenFeelingSerializer, present
from music.models import Rating, RecommendationLog, ShownList, Track
from music.moods.labels import MOODS
from music.sections import base_context, detection_music_context, list_context
from music.services import shown_lists
from music.services.ratings import rate as rate_track
from music.services.ratings import unrate
from music.services.recommendations import recommend_and_log

RATINGS_PAGE_SIZE = 25
RECENT_PAGE_SIZE = 10

# How each mood is shown: an emoji and a one-line description.
MOOD_STYLE = {
    "happy": {"emoji": "☀️", "label": "Happy", "description": "Bright, upbeat songs"},
    "energetic": {"emoji": "⚡", "label": "Energetic", "description": "Loud, driving songs"},
    "calm": {"emoji": "🌿", "label": "Calm", "description": "Quiet, gentle songs"},
    "sad": {"emoji": "🌧️", "label": "Sad", "description": "Slow, tender songs"},
}


def _wants_json(request) -> bool:
    return request.headers.get("Accept", "").startswith("application/json")


@login_required
def discover(request):
    """GET with ?emotion= or ?mood= (and optionally strategy, seed) shows a list; a
    JSON request gets the list as JSON, as the API gives it. Each list is logged."""
    chosen = {key: value for key, value in request.GET.items() if key in ("emotion", "mood", "strategy", "seed")}
    context = {
        "emotions": [(e, EMOTION_STYLE[e]) for e in EMOTIONS],
        "moods": [(m, MOOD_STYLE[m]) for m in MOODS],
        "strategy": chosen.get("strategy") or request.user.mood_strategy,
        "chosen": chosen,
    }
    if "emotion" not in chosen and "mood" not in chosen:
        if _wants_json(request):
            return JsonResponse(
                {"detail": "Choose an emotion or a mood.", "errors": {"emotion": ["Choose one."]}}, status=400
            )
        return render(request, "music/discover.html", context)
    query = ChosenFeelingSerializer(data=chosen)
    if not query.is_valid():
        message = "Choose one of the emotions or moods shown."
        if _wants_json(request):
            return JsonResponse({"detail": message, "errors": query.errors}, status=400)
        messages.error(request, message)
        return render(request, "music/discover.html", context, status=400)
    recs, log = recommend_and_log(request.user, RecommendationLog.Surface.DISCOVER, **query.validated_data)
    if _wants_json(request):
        return JsonResponse(present(recs, log))
    params = {"emotion": recs.emotion, "strategy": recs.strategy} if recs.emotion else {"mood": recs.moods[0]}
    list_url = f"{reverse('music:discover')}?{urlencode(params)}"
    context.update(
        recs=recs,
        recs_json=present(recs, log),
        list_url=list_url,
        # A rating made without JavaScript comes back to the same exploration, reranked.
        next_url=f"{list_url}&{urlencode({'seed': recs.seed})}",
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
def detection_music(request, pk):
    """The music section of a result, alone: the page's script swaps it in when the
    analysis finishes or another face (or everyone in the photo) is chosen."""
    return _music_response(request, _owned_detection(request, pk), request.GET.get("subject"))


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
