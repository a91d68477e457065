from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import (
    AdminUserCreationForm,
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
    UserChangeForm,
    UserCreationForm,
)
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils.text import format_lazy

from accounts.consent import record_consent

User = get_user_model()

DUPLICATE_USERNAME = "That username is already taken. Please choose another one."


class PlainLabelsMixin:
    """Labels without Django's trailing colon, which reads oddly above an input."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class UniqueUsernameMixin:
    """Rejects a username that differs from an existing one only in case, with our wording."""

    def clean_username(self):
        username = self.cleaned_data["username"]
        others = User.objects.filter(username__iexact=username)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise ValidationError(DUPLICATE_USERNAME, code="duplicate_username")
        return username


class FaceConsentField(forms.BooleanField):
    """The required tick that records consent to face processing (accounts.consent)."""

    def __init__(self, **kwargs):
        super().__init__(
            required=True,
            label="I agree that FerMusic analyses the faces in the photos and video I send to read their emotion.",
            help_text=format_lazy(
                'A face photo is biometric data. The <a href="{}">privacy notice</a> says what is kept, '
                "for how long, and how to withdraw your consent at any time.",
                reverse_lazy("privacy"),
            ),
            error_messages={"required": "FerMusic cannot read your mood without your consent to face analysis."},
            **kwargs,
        )


class SignUpForm(PlainLabelsMixin, UniqueUsernameMixin, UserCreationForm):
    face_consent = FaceConsentField()

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].help_text = "Up to 150 letters, digits and @ . + - _ characters."
        self.fields["email"].required = True
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["email"].help_text = "Used only to reset your password. We never share it."
        self.fields["password2"].label = "Password again"

    def save(self, commit=True):
        record_consent(self.instance, save=False)
        return super().save(commit)


class FaceConsentForm(PlainLabelsMixin, forms.Form):
    face_consent = FaceConsentField()


class ProfileForm(PlainLabelsMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = ("email", "photo_retention", "mood_strategy")
        widgets = {
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "photo_retention": forms.RadioSelect,
            "mood_strategy": forms.RadioSelect,
        }
        labels = {
            "photo_retention": "Photo retention",
            "mood_strategy": "Music strategy",
        }


class LoginForm(PlainLabelsMixin, AuthenticationForm):
    pass


class ResetPasswordForm(PlainLabelsMixin, PasswordResetForm):
    pass


class NewPasswordForm(PlainLabelsMixin, SetPasswordForm):
    pass


class ChangePasswordForm(PlainLabelsMixin, PasswordChangeForm):
    pass


class DeleteAccountForm(PlainLabelsMixin, forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="We ask for it so nobody can delete your account from a computer you left signed in.",
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise ValidationError("That password is not correct.", code="password_incorrect")
        return password


class AdminUserAddForm(UniqueUsernameMixin, AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "email")


class AdminUserChangeForm(UniqueUsernameMixin, UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
