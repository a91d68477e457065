from django.urls import path

from music import views

app_name = "music"

urlpatterns = [
    path("discover/", views.discover, name="discover"),
    path("ratings/", views.ratings, name="ratings"),
    path("ratings/rate/", views.rate, name="rate"),
    path("recent/", views.recent, name="recent"),
    path("detections/<uuid:pk>/music/", views.detection_music, name="detection_music"),
    path("detections/<uuid:pk>/music/new/", views.new_picks, name="new_picks"),
    path("lists/<int:pk>/rate/", views.rate_in_list, name="list_rate"),
    path("lists/<int:pk>/undo/", views.undo_dislike, name="list_undo"),
]
