"""Browsing the catalogue on the Discover page: search by title or artist, and filter by
genre, decade, energy and tempo (django-filter, so the form, its validation and the
queryset come from one declaration)."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from music.models import Genre, Track

DECADES = [(str(start), f"{start}s") for start in range(2020, 1950, -10)] + [("before-1960", "Before 1960")]
# Audio-feature bands as a listener would name them; the bounds split the catalogue
# roughly in thirds (energy 0..1, Spotify's estimate of intensity; tempo in BPM).
ENERGY = {"low": (0.0, 0.4), "medium": (0.4, 0.7), "high": (0.7, 1.01)}
TEMPO = {"slow": (0, 95), "medium": (95, 125), "fast": (125, 1000)}
ENERGY_CHOICES = [("low", "Low energy"), ("medium", "Medium energy"), ("high", "High energy")]
TEMPO_CHOICES = [("slow", "Slow (under 95 BPM)"), ("medium", "Medium (95–125 BPM)"), ("fast", "Fast (over 125 BPM)")]
BROWSE_FIELDS = ("q", "genre", "decade", "energy", "tempo")


class DiscoverFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Title or artist", max_length=100)
    genre = django_filters.ModelChoiceFilter(
        queryset=Genre.objects.filter(tracks__isnull=False).distinct().order_by("name"),
        field_name="genres",
        to_field_name="name",
        empty_label="Any genre",
        label="Genre",
    )
    decade = django_filters.ChoiceFilter(choices=DECADES, method="in_decade", empty_label="Any decade", label="Decade")
    energy = django_filters.ChoiceFilter(
        choices=ENERGY_CHOICES, method="in_band", empty_label="Any energy", label="Energy"
    )
    tempo = django_filters.ChoiceFilter(choices=TEMPO_CHOICES, method="in_band", empty_label="Any tempo", label="Tempo")

    class Meta:
        model = Track
        fields = list(BROWSE_FIELDS)

    def search(self, queryset, name, value):
        words = value.split()
        for word in words:
            queryset = queryset.filter(Q(title__icontains=word) | Q(artists__icontains=word))
        return queryset

    def in_decade(self, queryset, name, value):
        if value == "before-1960":
            return queryset.filter(year__lt=1960)
        start = int(value)
        return queryset.filter(year__gte=start, year__lt=start + 10)

    def in_band(self, queryset, name, value):
        low, high = (ENERGY if name == "energy" else TEMPO)[value]
        return queryset.filter(**{f"{name}__gte": low, f"{name}__lt": high})


def browsing(params) -> bool:
    """Whether the query asks to browse (a search or a filter) rather than for ranked picks."""
    return any(params.get(name, "").strip() for name in BROWSE_FIELDS)
