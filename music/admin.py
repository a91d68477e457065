import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Min
from django.forms import Script
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from music import tasks
from music.forms import AddToPlaylistForm, ImportUploadForm, MoodMappingForm, OverrideMoodForm, SpotifyLinkRunForm
from music.models import (
    Genre,
    ImportJob,
    MoodCluster,
    MoodMapping,
    MoodModelRun,
    Playlist,
    PlaylistTrack,
    SpotifyLinkRun,
    TasteModelFit,
    Track,
)
from music.moods.features import AUDIO_FEATURES
from music.moods.mapping import default_moods, default_reason
from music.services import mood_model, spotify_linking

MAX_TRACKS_TO_PLAYLIST = 1000
LARGEST_ID = 2**63 - 1


def _possible_ids(values) -> list:
    return [v for v in values if str(v).isdigit() and int(v) <= LARGEST_ID]


class IdAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete widget looks up whatever value a form was sent when it
    shows the form again, and "abc" or a number past the database's range crashes
    that lookup (a 500); such a value is shown as nothing and the field says why."""

    def optgroups(self, name, value, attr=None):
        return super().optgroups(name, _possible_ids(value), attr)


class IdAutocompleteSelectMultiple(AutocompleteSelectMultiple):
    def optgroups(self, name, value, attr=None):
        return super().optgroups(name, _possible_ids(value), attr)


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Refuses an id past the database's range itself: SQLite cannot even look one up."""

    def _check_values(self, value):
        for pk in value if isinstance(value, list | tuple) else ():
            if str(pk).isdigit() and int(pk) > LARGEST_ID:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                )
        return super()._check_values(value)


class IdAutocompleteMixin:
    """Autocomplete fields with the widgets above."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs.setdefault("widget", IdAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using")))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs.setdefault(
                "widget", IdAutocompleteSelectMultiple(db_field, self.admin_site, using=kwargs.get("using"))
            )
            kwargs.setdefault("form_class", IdMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class DecadeFilter(admin.SimpleListFilter):
    title = "decade"
    parameter_name = "decade"

    def lookups(self, request, model_admin):
        span = Track.objects.aggregate(first=Min("year"), last=Max("year"))
        if span["first"] is None:
            return []
        start, end = span["first"] // 10 * 10, span["last"] // 10 * 10
        return [(str(d), f"{d}s") for d in range(end, start - 1, -10)]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            decade = int(self.value())
            return queryset.filter(year__gte=decade, year__lt=decade + 10)
        return queryset


def _feature(name: str, digits: int = 2):
    def column(obj):
        value = getattr(obj, name)
        return "–" if value is None else f"{value:.{digits}f}"

    column.short_description = name
    column.admin_order_field = name
    return column


@admin.register(Genre)
class GenreAdmin(admin.ModelAdmin):
    list_display = ["name", "track_count"]
    search_fields = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(track_total=Count("tracks"))

    @admin.display(description="tracks", ordering="track_total")
    def track_count(self, obj):
        return obj.track_total


@admin.register(Track)
class TrackAdmin(IdAutocompleteMixin, admin.ModelAdmin):
    list_display = [
        "title",
        "artists",
        "year",
        "genre_names",
        "mood_display",
        _feature("energy"),
        _feature("valence"),
        _feature("danceability"),
        _feature("acousticness"),
        _feature("tempo", 0),
        "popularity",
    ]
    list_filter = ["mood", "mood_source", "genres", DecadeFilter, "has_features", "cluster"]
    search_fields = ["title", "artists", "album", "=spotify_id"]
    list_per_page = 50
    show_full_result_count = False
    autocomplete_fields = ["genres"]
    readonly_fields = ["mood", "mood_source", "cluster", "spotify_link", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "artists", "album", "year", "duration_ms", "popularity", "genres"]}),
        ("Spotify", {"fields": ["spotify_id", "spotify_link"]}),
        ("Mood", {"fields": ["mood", "mood_source", "cluster", "mood_override", "mood_label"]}),
        ("Audio features", {"fields": list(AUDIO_FEATURES), "classes": ["collapse"]}),
        ("Record", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]
    actions = ["add_to_playlist", "override_mood", "clear_mood_override"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("cluster").prefetch_related("genres")

    @admin.display(description="genres")
    def genre_names(self, obj):
        return ", ".join(g.name for g in obj.genres.all())

    @admin.display(description="mood", ordering="mood")
    def mood_display(self, obj):
        if not obj.mood:
            return "–"
        detail = obj.cluster.name if obj.cluster_id else obj.get_mood_source_display()
        marker = " ✎" if obj.mood_override else ""
        return format_html('<span title="{}">{}{}</span>', detail, obj.get_mood_display(), marker)

    @admin.display(description="on Spotify")
    def spotify_link(self, obj):
        return format_html('<a href="{0}" rel="noopener">{0}</a>', obj.spotify_url) if obj.spotify_url else "–"

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # After genres are saved: a track without features is judged by its genres too.
        track = form.instance
        mood_model.assign_moods([track])
        mood_model.write_moods([track])

    @admin.action(description="Add selected tracks to a playlist")
    def add_to_playlist(self, request, queryset):
        form = AddToPlaylistForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            count = queryset.count()
            if count > MAX_TRACKS_TO_PLAYLIST:
                self.message_user(
                    request, f"Select at most {MAX_TRACKS_TO_PLAYLIST} tracks for a playlist.", messages.ERROR
                )
                return None
            playlist = form.cleaned_data["playlist"] or Playlist.objects.create(
                name=form.cleaned_data["new_playlist"].strip(), created_by=request.user
            )
            added = playlist.append(queryset.order_by("title_key", "artist_key"))
            url = reverse("admin:music_playlist_change", args=[playlist.pk])
            self.message_user(
                request, format_html('Added {} tracks to <a href="{}">{}</a>.', added, url, playlist.name)
            )
            return None
        return self._action_page(request, queryset, form, "add_to_playlist", "Add to playlist")

    @admin.action(description="Override the mood of selected tracks")
    def override_mood(self, request, queryset):
        form = OverrideMoodForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            count = mood_model.override_mood(queryset, form.cleaned_data["mood"])
            self.message_user(request, f"Set the mood of {count} tracks; refits will keep it.")
            return None
        return self._action_page(request, queryset, form, "override_mood", "Override mood")

    @admin.action(description="Clear the mood override of selected tracks")
    def clear_mood_override(self, request, queryset):
        count = mood_model.clear_mood_override(queryset)
        self.message_user(request, f"{count} tracks have their mood from the mood model again.")

    def _action_page(self, request, queryset, form, action, submit):
        return TemplateResponse(
            request,
            "admin/music/track/action_form.html",
            {
                **self.admin_site.each_context(request),
                "title": submit,
                "opts": self.model._meta,
                "form": form,
                "action": action,
                "submit": submit,
                "preview": queryset[:20],
                "count": queryset.count(),
                "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
                "select_across": request.POST.get("select_across", "0"),
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )


class PlaylistTrackInline(IdAutocompleteMixin, admin.TabularInline):
    model = PlaylistTrack
    fields = ["position", "track", "track_mood"]
    readonly_fields = ["track_mood"]
    autocomplete_fields = ["track"]
    extra = 0
    ordering = ["position", "pk"]

    @admin.display(description="mood")
    def track_mood(self, obj):
        return obj.track.get_mood_display() if obj.pk and obj.track.mood else "–"


@admin.register(Playlist)
class PlaylistAdmin(admin.ModelAdmin):
    list_display = ["name", "mood", "published", "track_count", "updated_at"]
    list_editable = ["published"]
    list_filter = ["published", "mood"]
    search_fields = ["name", "description"]
    fields = ["name", "description", "mood", "published", "spotify_id", "created_by"]
    readonly_fields = ["spotify_id", "created_by"]
    inlines = [PlaylistTrackInline]
    actions = ["publish", "unpublish"]

    def get_queryset(self, request):
        # Curated playlists only: a listener's own playlist is theirs alone.
        return super().get_queryset(request).curated().annotate(track_total=Count("entries"))

    @admin.display(description="tracks", ordering="track_total")
    def track_count(self, obj):
        return obj.track_total

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Tracks without features take a curated playlist's mood.
        featureless = list(Track.objects.filter(playlists=form.instance, has_features=False))
        mood_model.assign_moods(featureless)
        mood_model.write_moods(featureless)

    @admin.action(description="Publish selected playlists")
    def publish(self, request, queryset):
        self.message_user(request, f"Published {queryset.update(published=True)} playlists.")

    @admin.action(description="Unpublish selected playlists")
    def unpublish(self, request, queryset):
        self.message_user(request, f"Unpublished {queryset.update(published=False)} playlists.")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records the system writes: staff read them, nobody edits them here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(MoodCluster)
class MoodClusterAdmin(ReadOnlyAdmin):
    list_display = ["name", "mood", "size", "centre", "tracks_link", "updated_at"]
    list_filter = ["mood"]
    search_fields = ["name"]
    fields = ["name", "mood", "size", "centre", "tracks_link", "created_at", "updated_at"]
    readonly_fields = fields

    @admin.display(description="centre (audio features)")
    def centre(self, obj):
        return ", ".join(f"{name} {value:g}" for name, value in obj.feature_means.items())

    @admin.display(description="tracks")
    def tracks_link(self, obj):
        url = reverse("admin:music_track_changelist") + f"?cluster__id__exact={obj.pk}"
        return format_html('<a href="{}">{} tracks</a>', url, obj.size)


@admin.register(MoodModelRun)
class MoodModelRunAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "trigger",
        "tracks",
        "tracks_with_features",
        "silhouette",
        "cluster_kept",
        "held_out_accuracy",
        "duration_seconds",
    ]
    list_filter = ["trigger"]
    fields = [
        "created_at",
        "trigger",
        "classifier_version",
        "tracks",
        "tracks_with_features",
        "duration_seconds",
        "metrics_display",
    ]
    readonly_fields = fields
    change_list_template = "admin/music/moodmodelrun/change_list.html"

    @admin.display(description="silhouette")
    def silhouette(self, obj):
        return obj.metrics.get("silhouette")

    @admin.display(description="kept in cluster")
    def cluster_kept(self, obj):
        kept = obj.metrics.get("cluster_kept")
        return "–" if kept is None else f"{kept:.1%}"

    @admin.display(description="classifier held-out accuracy")
    def held_out_accuracy(self, obj):
        accuracy = obj.metrics.get("classifier_held_out", {}).get("accuracy")
        return "–" if accuracy is None else f"{accuracy:.1%}"

    @admin.display(description="metrics")
    def metrics_display(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.metrics, indent=2))

    def get_urls(self):
        return [
            path("refit/", self.admin_site.admin_view(self.refit_view), name="music_moodmodelrun_refit"),
            *super().get_urls(),
        ]

    def refit_view(self, request):
        if request.method != "POST" or not request.user.has_perm("music.change_track"):
            return redirect("admin:music_moodmodelrun_changelist")
        transaction.on_commit(lambda: tasks.refit_moods.delay(MoodModelRun.Trigger.ADMIN))
        self.message_user(request, "Mood refit queued; its run appears here when it finishes.")
        return redirect("admin:music_moodmodelrun_changelist")


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["source_name", "kind", "status", "percent_done", "counts", "created_by", "created_at"]
    list_filter = ["status", "kind"]
    search_fields = ["source"]
    readonly_fields = [
        "kind",
        "source",
        "status",
        "progress",
        "layout",
        "outcome",
        "error",
        "created_by",
        "created_at",
        "started_at",
        "finished_at",
    ]
    actions = ["run_again"]

    class Media:
        # A module: it imports the one WebSocket-URL helper (static/js/socket.js).
        js = [Script("music/import-progress.js", type="module")]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ImportUploadForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request, obj=None):
        return ["file"] if obj is None else self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def has_change_permission(self, request, obj=None):
        # The change page shows progress; nothing on it is editable.
        return obj is None and super().has_change_permission(request)

    def save_model(self, request, obj, form, change):
        obj.kind, obj.source, obj.created_by = ImportJob.Kind.CSV, obj.file.name.rsplit("/")[-1], request.user
        super().save_model(request, obj, form, change)
        transaction.on_commit(lambda: tasks.import_catalogue_file.delay(obj.pk))

    def response_add(self, request, obj, post_url_continue=None):
        self.message_user(request, "The import is queued; this page shows its progress live.")
        return HttpResponseRedirect(reverse("admin:music_importjob_change", args=[obj.pk]))

    @admin.display(description="source", ordering="source")
    def source_name(self, obj):
        return obj.source.rsplit("/", 1)[-1]

    @admin.display(description="done")
    def percent_done(self, obj):
        return f"{obj.percent}%"

    @admin.display(description="created / updated / unchanged / skipped")
    def counts(self, obj):
        s = obj.summary
        return f"{s['created']} / {s['updated']} / {s['unchanged']} / {s['skipped']}" if s else "–"

    @admin.display(description="progress")
    def progress(self, obj):
        return format_html(
            '<div data-import-job="{}" data-finished="{}"><progress max="100" value="{}"></progress> '
            "<span data-percent>{}%</span> · <span data-status>{}</span></div>",
            obj.pk,
            "true" if obj.finished else "false",
            obj.percent,
            obj.percent,
            obj.get_status_display(),
        )

    @admin.display(description="summary")
    def outcome(self, obj):
        s = obj.summary
        if not s:
            return "–"
        rows = format_html_join(
            "",
            "<li>{} rows: {} (e.g. line {})</li>",
            ((item["rows"], item["reason"], ", ".join(map(str, item["lines"]))) for item in s["skipped_because"]),
        )
        return format_html(
            "<p data-summary>{} rows: {} created, {} updated, {} unchanged, {} repeats merged, {} skipped</p>"
            "<ul>{}</ul>",
            s["rows"],
            s["created"],
            s["updated"],
            s["unchanged"],
            s["duplicates"],
            s["skipped"],
            rows,
        )

    @admin.action(description="Run selected uploads again")
    def run_again(self, request, queryset):
        jobs = list(queryset.exclude(file="").exclude(status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING]))
        for job in jobs:
            job.status, job.error, job.bytes_read, job.summary = ImportJob.Status.QUEUED, "", 0, {}
            job.started_at = job.finished_at = None
            job.save()
            transaction.on_commit(lambda pk=job.pk: tasks.import_catalogue_file.delay(pk))
        self.message_user(request, f"Queued {len(jobs)} imports again.")


@admin.register(MoodMapping)
class MoodMappingAdmin(admin.ModelAdmin):
    list_display = ["emotion", "strategy", "moods", "default", "updated_at"]
    list_display_links = None
    list_editable = ["moods"]
    list_filter = ["strategy", "emotion"]
    form = MoodMappingForm
    fields = ["emotion", "strategy", "moods"]
    readonly_fields = ["emotion", "strategy"]

    def get_changelist_form(self, request, **kwargs):
        return MoodMappingForm

    @admin.display(description="default, and why")
    def default(self, obj):
        return f"{', '.join(default_moods(obj.emotion, obj.strategy))}: {default_reason(obj.emotion, obj.strategy)}"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TasteModelFit)
class TasteModelFitAdmin(ReadOnlyAdmin):
    """The recommender's taste factors as fitted (the factors themselves are not shown)."""

    list_display = ["created_at", "trigger", "listeners", "ratings", "artists", "tracks", "duration_seconds"]
    list_filter = ["trigger"]
    fields = list_display
    readonly_fields = fields


@admin.register(SpotifyLinkRun)
class SpotifyLinkRunAdmin(admin.ModelAdmin):
    """Runs of the Spotify linking job; "Add" queues a new one (Save with no fields)."""

    list_display = ["created_at", "status", "searched", "linked", "remaining", "error", "created_by"]
    list_filter = ["status"]
    form = SpotifyLinkRunForm

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        try:
            run = spotify_linking.start_run(user=request.user, limit=obj.limit)
        except spotify_linking.RunAlreadyActive:  # started between the form's check and now
            run = spotify_linking.active_runs().first()
        obj.pk = run.pk
        transaction.on_commit(lambda: tasks.link_spotify_ids.delay(run.pk))

    def response_add(self, request, obj, post_url_continue=None):
        self.message_user(request, "Linking is queued: it searches Spotify for every track without an id.")
        return HttpResponseRedirect(reverse("admin:music_spotifylinkrun_changelist"))
