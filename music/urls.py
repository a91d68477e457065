from django.urls import path

from music import views

app_name = "music"

urlpatterns = [
    path("discover/", views.discover, name="discover"),
    path("ratings/", views.ratings, name="ratings"),
    path("ratings/rate/", views.rate, name="rate"),
    path("detections/<uuid:pk>/result/", views.detection_result, name="detection_result"),
]
