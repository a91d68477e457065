from django.urls import path

from music import views

app_name = "music"

urlpatterns = [
    path("discover/", views.discover, name="discover"),
    path("ratings/", views.ratings, name="ratings"),
    path("ratings/rate/", views.rate, name="rate"),
    path("recent/", views.recent, name="recent"),
    path("detections/<uuid:pk>/result/", views.detection_result, name="detection_result"),
    path("detections/<uuid:pk>/music/new/", views.new_picks, name="new_picks"),
    path("lists/<int:pk>/rate/", views.rate_in_list, name="list_rate"),
    path("lists/<int:pk>/undo/", views.undo_dislike, name="list_undo"),
    path("playlists/", views.playlists, name="playlists"),
    path("playlists/save/", views.save_playlist, name="save-playlist"),
    path("playlists/<int:pk>/", views.playlist, name="playlist"),
    path("playlists/<int:pk>/rename/", views.rename_playlist, name="rename-playlist"),
    path("playlists/<int:pk>/move/", views.move_in_playlist, name="move-in-playlist"),
    path("playlists/<int:pk>/remove/", views.remove_from_playlist, name="remove-from-playlist"),
    path("playlists/<int:pk>/delete/", views.delete_playlist, name="delete-playlist"),
]
