from django.urls import path

from emotions import views

app_name = "emotions"

urlpatterns = [
    path("analyse/", views.upload, name="upload"),
    path("webcam/", views.webcam, name="webcam"),
    path("live/", views.live, name="live"),
    path("history/", views.history, name="history"),
    path("history/delete-all/", views.delete_all, name="delete_all"),
    path("detections/<uuid:pk>/", views.detail, name="detail"),
    path("detections/<uuid:pk>/photo/", views.photo, name="photo"),
    path("detections/<uuid:pk>/delete/", views.delete, name="delete"),
    path("detections/<uuid:pk>/rerun/", views.rerun, name="rerun"),
    path("detections/<uuid:pk>/face/", views.select_face, name="select_face"),
    path("detections/<uuid:pk>/feeling/", views.correct, name="correct"),
]
