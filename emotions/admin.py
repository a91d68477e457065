from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path

from emotions import selectors
from emotions.models import DetectedFace, Detection


class DetectedFaceInline(admin.TabularInline):
    model = DetectedFace
    extra = 0
    can_delete = False
    fields = ["index", "emotion", "confidence", "uncertain", "x", "y", "width", "height", "probabilities", "kept_face"]
    readonly_fields = fields

    @admin.display(description="face kept for retraining", boolean=True)
    def kept_face(self, obj):
        return obj.aligned_face is not None


@admin.register(Detection)
class DetectionAdmin(admin.ModelAdmin):
    """Detections for support and monitoring; photos are never shown here. "Model vs
    felt" shows how the readings compare with what listeners said they felt."""

    list_display = ["id", "owner", "source", "status", "felt_emotion", "model_version", "created_at", "finished_at"]
    list_filter = ["status", "source", "felt_emotion", "model_version", "created_at"]
    search_fields = ["id", "owner__username", "owner__email", "failure_reason"]
    readonly_fields = [f.name for f in Detection._meta.fields if f.name != "photo"]
    exclude = ["photo"]
    inlines = [DetectedFaceInline]
    date_hierarchy = "created_at"
    change_list_template = "admin/emotions/detection/change_list.html"

    def has_add_permission(self, request):
        return False

    def get_urls(self):
        return [
            path(
                "corrections/",
                self.admin_site.admin_view(self.corrections_view),
                name="emotions_detection_corrections",
            ),
            *super().get_urls(),
        ]

    def corrections_view(self, request):
        """The confusion of the model's readings with what listeners felt, per emotion."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": "Model reading vs what listeners felt",
            "opts": self.model._meta,
            "confusion": selectors.correction_confusion(),
        }
        return TemplateResponse(request, "admin/emotions/detection/corrections.html", context)
