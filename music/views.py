"""Pages for recommendations and ratings: Discover (music for an emotion or a mood
chosen without a photo), My ratings, and the fragment of a detection's result with its
playlist. They work without JavaScript (forms that post and redirect back);
static/js/music/ makes rating rerank the list in place by swapping in the server's
HTML (``?fragment=list`` on Discover, ``detection_result`` for a photo)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from emotions.api.serializers import DetectionSerializer
from emotions.engine.labels import EMOTIONS
from emotions.models import Detection
from emotions.presentation import EMOTION_STYLE
from music.api.serializers import ChosenFeelingSerializer, RecommendationQuerySerializer, present
from music.models import Rating, RecommendationLog, Track
from music.moods.labels import MOODS
from music.services.ratings import rate as rate_track
from music.services.ratings import unrate
from music.services.recommendations import recommend_and_log

RATINGS_PAGE_SIZE = 25

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
        list_url=list_url,
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
    """The result of one of my detections with its playlist, as an HTML fragment that
    the result pages swap in whenever the detection changes (analysis finished, another
    face chosen, the reading corrected). ``?level=3`` nests its headings one deeper;
    ``?seed=`` keeps a list's exploration and ``?fragment=list`` gives the list alone
    (a rating reranks it). Another user's detection is a 404."""
    detection = get_object_or_404(Detection.objects.owned_by(request.user).prefetch_related("faces"), pk=pk)
    query = RecommendationQuerySerializer(data=request.GET)
    if not query.is_valid():
        return HttpResponseBadRequest("The seed must be a whole number.")
    d = DetectionSerializer(detection).data
    context = {"d": d, "heading_level": 3 if request.GET.get("level") == "3" else 2, "face_count": len(d["faces"])}
    emotion = detection.music_emotion if detection.status == Detection.Status.DONE else None
    if emotion:
        recs, _ = recommend_and_log(
            request.user,
            RecommendationLog.Surface.DETECTION,
            detection=detection,
            emotion=emotion,
            **query.validated_data,
        )
        context.update(
            recs=recs,
            list_url=f"{reverse('music:detection_result', args=[detection.pk])}?level={context['heading_level']}",
            next_url=detection.get_absolute_url(),
        )
        if request.GET.get("fragment") == "list":
            return render(request, "music/_recommendations_fragment.html", context)
    return render(request, "music/detection_result.html", context)


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
