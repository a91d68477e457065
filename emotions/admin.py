from django.contrib import admin

from emotions.models import DetectedFace, Detection


class DetectedFaceInline(admin.TabularInline):
    model = DetectedFace
    extra = 0
    can_delete = False
    fields = ["index", "emotion", "confidence", "uncertain", "x", "y", "width", "height", "probabilities"]
    readonly_fields = fields


@admin.register(Detection)
class DetectionAdmin(admin.ModelAdmin):
    """Detections for support and monitoring; photos are never shown here."""

    list_display = ["id", "owner", "source", "status", "model_version", "created_at", "finished_at"]
    list_filter = ["status", "source", "model_version", "created_at"]
    search_fields = ["id", "owner__username", "owner__email", "failure_reason"]
    readonly_fields = [f.name for f in Detection._meta.fields if f.name != "photo"]
    exclude = ["photo"]
    inlines = [DetectedFaceInline]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False
