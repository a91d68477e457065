from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.forms import AdminUserAddForm, AdminUserChangeForm
from accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = AdminUserChangeForm
    add_form = AdminUserAddForm
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Preferences", {"fields": ("photo_retention", "mood_strategy")}),
        ("Consent to face processing", {"fields": ("face_consent_at", "face_consent_notice")}),
    )
    readonly_fields = ("face_consent_at", "face_consent_notice")
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "email", "usable_password", "password1", "password2"),
            },
        ),
        ("Preferences", {"fields": ("photo_retention", "mood_strategy")}),
    )
    list_display = ("username", "email", "photo_retention", "mood_strategy", "is_staff", "date_joined")
    list_filter = ("photo_retention", "mood_strategy", *DjangoUserAdmin.list_filter)
    search_fields = ("username", "email", "first_name", "last_name")
    ordering = ("-date_joined",)
