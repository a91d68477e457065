from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from accounts.consent import ConsentRequired
from emotions import selectors
from emotions.api.serializers import DetectionSerializer
from emotions.api.throttles import UploadRateThrottle
from emotions.models import Detection
from emotions.presentation import EMOTION_STYLE
from emotions.services import detections

HISTORY_PAGE_SIZE = 12


def _owned(request, pk) -> Detection:
    return get_object_or_404(Detection.objects.owned_by(request.user), pk=pk)


def _ask_for_consent(request):
    """A user without consent to face processing is asked for it before an analysis page."""
    return redirect(f"{reverse('accounts:consent')}?{urlencode({'next': request.get_full_path()})}")


def _upload(request, source: str, template: str):
    """GET shows the page; POST (form or fetch) stores the photo and queues analysis."""
    wants_json = request.headers.get("Accept", "").startswith("application/json")
    if request.method != "POST" and not request.user.has_face_consent:
        return _ask_for_consent(request)
    # The page checks size before uploading and renders the result inline, so it needs
    # the limit and the emotions' emoji and colours.
    context = {"source": source, "max_upload_mb": settings.MAX_UPLOAD_MB, "emotion_style": EMOTION_STYLE}
    if request.method == "POST":
        if not UploadRateThrottle().allow_request(request, None):
            error, code = "Too many uploads in a short time. Wait a minute and try again.", 429
        else:
            try:
                detection = detections.create_detection(request.user, request.FILES.get("image"), source)
            except detections.UploadRejected as exc:
                error, code = exc.message, 400
            except ConsentRequired as exc:
                error, code = exc.message, 403
            else:
                if wants_json:
                    return JsonResponse(DetectionSerializer(detection).data, status=202)
                return redirect(detection)
        if wants_json:
            return JsonResponse({"detail": error, "errors": {"image": [error]}}, status=code)
        messages.error(request, error)
        return render(request, template, context, status=code)
    return render(request, template, context)


@login_required
def upload(request):
    return _upload(request, Detection.Source.UPLOAD, "emotions/upload.html")


@login_required
def webcam(request):
    return _upload(request, Detection.Source.WEBCAM, "emotions/webcam.html")


@login_required
def detail(request, pk):
    detection = _owned(request, pk)
    return render(
        request,
        "emotions/detail.html",
        {
            "detection": detection,
            "detection_json": DetectionSerializer(detection).data,
            "emotion_style": EMOTION_STYLE,
        },
    )


@login_required
def photo(request, pk):
    """The stored photo, for its owner only, never cached by shared caches."""
    detection = _owned(request, pk)
    if not detection.photo:
        raise Http404("This photo has been deleted.")
    response = FileResponse(detection.photo.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = "inline"
    return response


@login_required
def history(request):
    page = Paginator(selectors.history(request.user), HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "emotions/history.html",
        {"page": page, "timeline": selectors.timeline(request.user), "emotion_style": EMOTION_STYLE},
    )


@login_required
@require_POST
def delete(request, pk):
    detections.delete_detection(_owned(request, pk))
    messages.success(request, "The detection and its photo were deleted.")
    return redirect("emotions:history")


@login_required
@require_POST
def delete_all(request):
    count = detections.delete_history(request.user)
    messages.success(request, f"Deleted {count} detection{'s' if count != 1 else ''} and their photos.")
    return redirect("emotions:history")


@login_required
@require_POST
def rerun(request, pk):
    detection = _owned(request, pk)
    try:
        queued = detections.rerun(detection)
    except ConsentRequired as exc:
        messages.error(request, exc.message)
        return redirect(detection)
    if queued:
        messages.info(request, "The photo is being analysed again.")
    else:
        messages.error(request, "Only a failed detection whose photo is still stored can be re-run.")
    return redirect(detection)


@login_required
@require_POST
def select_face(request, pk):
    detection = _owned(request, pk)
    try:
        detections.select_face(detection, int(request.POST.get("face", "")))
    except ValueError:
        messages.error(request, "Choose one of the faces found in the photo.")
    return redirect(detection)


@login_required
def live(request):
    """Live mode: the page streams webcam frames to /ws/live/ (emotions.live.consumers)."""
    if not request.user.has_face_consent:
        return _ask_for_consent(request)
    return render(request, "emotions/live.html", {"emotion_style": EMOTION_STYLE})
