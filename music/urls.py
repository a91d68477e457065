from django.urls import path

from music import views_recommend

app_name = "music"

urlpatterns = [
    path("discover/", views_recommend.discover, name="discover"),
    path("ratings/", views_recommend.ratings, name="ratings"),
    path("ratings/rate/", views_recommend.rate, name="rate"),
]
