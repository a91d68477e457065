from django.contrib import admin
from django.urls import include, path

from fermusic import views

urlpatterns = [
    path("", views.home, name="home"),
    path("privacy/", views.privacy_notice, name="privacy"),
    path("accounts/", include("accounts.urls")),
    path("", include("emotions.urls")),
    path("music/", include("music.urls")),
    path("api/v1/", include("fermusic.api")),
    path("admin/", admin.site.urls),
    # Browsers ask for /favicon.ico on pages that name no icon (the admin's, the API's).
    path("favicon.ico", views.favicon),
]
