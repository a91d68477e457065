from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.messages.views import SuccessMessageMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST, require_safe
from django.views.generic import FormView, TemplateView, UpdateView
from django_ratelimit.decorators import ratelimit

from accounts import consent, export, services
from accounts.forms import (
    ChangePasswordForm,
    DeleteAccountForm,
    FaceConsentForm,
    ProfileForm,
    ResetPasswordForm,
    SignUpForm,
)

User = get_user_model()

# The backend that logs users in (the first one, django-axes', only counts failures).
LOGIN_BACKEND = "accounts.backends.CaseInsensitiveUsernameBackend"


def submitted_email(group, request) -> str:
    """The address a reset or sign-up is for, in one case: the rate limit's key."""
    return request.POST.get("email", "").strip().lower()


def per_hour(setting: str):
    return lambda group, request: f"{getattr(settings, setting)}/h"


# Per client address, and per e-mail address so that spreading requests over many
# clients still sends one inbox only a few mails.
limit_per_client = ratelimit(key="ip", rate=per_hour("ACCOUNT_REQUESTS_PER_HOUR"), method="POST", block=True)
limit_per_email = ratelimit(key=submitted_email, rate=per_hour("ACCOUNT_MAILS_PER_HOUR"), method="POST", block=True)


def too_many_requests(request, exception):
    """django-ratelimit's answer to a password-reset or sign-up request over its limit."""
    response = render(request, "registration/too_many_requests.html", status=429)
    response["Retry-After"] = "3600"
    return response


# Set on the fresh, anonymous session after deletion so only the person who just
# deleted their account sees the goodbye page.
ACCOUNT_DELETED_SESSION_KEY = "account_deleted"


# Errors that would tell a stranger an address or a username is registered; the sign-up
# page never shows them (accounts.services, "Enumeration policy").
TAKEN = {"username": "duplicate_username", "email": "duplicate_email"}


@method_decorator(sensitive_post_parameters("password1", "password2"), name="dispatch")
@method_decorator([limit_per_client, limit_per_email], name="post")
class SignUpView(auth_views.RedirectURLMixin, FormView):
    """Sign-up answers "check your inbox" whether or not the address or the name is
    taken; the new account starts once the link mailed to it is opened."""

    form_class = SignUpForm
    template_name = "registration/signup.html"
    next_page = settings.LOGIN_REDIRECT_URL

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect(self.get_success_url())
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        services.create_unconfirmed_account(self.request, form, next_url=self.get_redirect_url())
        return self.check_your_inbox(form.cleaned_data["email"])

    def form_invalid(self, form):
        taken = {field for field, code in TAKEN.items() if form.has_error(field, code)}
        for field in taken:
            del form.errors[field]
        if taken and not form.errors:
            # The address passed its own checks (a taken one is dropped from cleaned_data).
            email = form.fields["email"].clean(form.data.get("email"))
            services.answer_taken_sign_up(self.request, email, username=form.data.get("username", ""))
            return self.check_your_inbox(email)
        return super().form_invalid(form)

    def check_your_inbox(self, email):
        return render(self.request, "registration/signup_done.html", {"email": email})

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, next=self.get_redirect_url())


class ActivateView(auth_views.RedirectURLMixin, TemplateView):
    """The link from the sign-up mail: a button (so a mail scanner fetching the link does
    not use it up), which activates the account and logs its owner in."""

    template_name = "registration/activate.html"
    next_page = settings.LOGIN_REDIRECT_URL

    def account(self):
        try:
            pk = urlsafe_base64_decode(self.kwargs["uidb64"]).decode()
            user = User._default_manager.get(pk=pk)
        except (ValueError, TypeError, OverflowError, UnicodeDecodeError, User.DoesNotExist, ValidationError):
            return None
        return user if services.activation_tokens.check_token(user, self.kwargs["token"]) else None

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, valid=self.account() is not None, next=self.get_redirect_url())

    def post(self, request, *args, **kwargs):
        user = self.account()
        if user is None:
            return self.get(request, *args, **kwargs)
        user.is_active = True
        user.save(update_fields=["is_active"])
        login(request, user, backend=LOGIN_BACKEND)
        messages.success(request, f"Welcome to FerMusic, {user.username}! Your account is ready.")
        return redirect(self.get_success_url())


@method_decorator(sensitive_post_parameters("current_password"), name="dispatch")
class ProfileView(LoginRequiredMixin, UpdateView):
    form_class = ProfileForm
    template_name = "accounts/profile.html"
    success_url = reverse_lazy("accounts:profile")

    def get_object(self, queryset=None):
        return self.request.user

    def form_valid(self, form):
        previous = form.initial["photo_retention"]
        response = super().form_valid(form)
        consent.retention_changed(self.object, previous)
        if form.new_email:
            services.request_email_change(self.request, self.object, form.new_email)
            messages.success(
                self.request,
                f"Your preferences have been saved. To change your e-mail address, open the link we sent to "
                f"{form.new_email}; until then your account keeps {self.object.email}.",
            )
        else:
            messages.success(self.request, "Your profile has been saved.")
        return response


class FaceConsentView(LoginRequiredMixin, FormView):
    """Give consent to face processing (before the next analysis, or again after
    withdrawing it), then go back to the page that asked."""

    form_class = FaceConsentForm
    template_name = "accounts/face_consent.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, next=self._next())

    def form_valid(self, form):
        consent.record_consent(self.request.user)
        messages.success(self.request, "Thank you: you can analyse your photos now.")
        return redirect(self._next())

    def _next(self):
        target = self.request.POST.get("next") or self.request.GET.get("next") or ""
        safe = url_has_allowed_host_and_scheme(target, {self.request.get_host()}, self.request.is_secure())
        return target if safe else settings.LOGIN_REDIRECT_URL


class WithdrawConsentView(LoginRequiredMixin, TemplateView):
    """GET asks for confirmation; POST withdraws consent: kept photos deleted, analysis stopped."""

    template_name = "accounts/withdraw_consent.html"

    def post(self, request):
        consent.withdraw_consent(request.user)
        messages.success(
            request, "Your consent is withdrawn: your kept photos are deleted and no photo will be analysed."
        )
        return redirect("accounts:profile")


@login_required
@require_safe
def export_data(request):
    """Download my data: the ZIP of accounts.export, limited to a few an hour."""
    if not export.ExportRateThrottle().allow_request(request, None):
        messages.error(request, "You downloaded your data several times in the last hour. Try again later.")
        return redirect("accounts:profile")
    return export.export_response(request.user)


class ConfirmEmailView(TemplateView):
    """The link from the e-mail change mail: a button that applies the new address."""

    template_name = "accounts/confirm_email.html"

    def get_context_data(self, **kwargs):
        try:
            user, new_email = services.read_email_change(self.kwargs["token"])
        except services.EmailChangeInvalid:
            return super().get_context_data(**kwargs, valid=False)
        return super().get_context_data(**kwargs, valid=True, new_email=new_email, account=user)

    def post(self, request, *args, **kwargs):
        try:
            user = services.confirm_email_change(self.kwargs["token"])
        except services.EmailChangeInvalid:
            return self.get(request, *args, **kwargs)
        messages.success(request, f"Your e-mail address is now {user.email}.")
        return redirect("accounts:profile" if request.user == user else "accounts:login")


@method_decorator([limit_per_client, limit_per_email], name="post")
class PasswordResetView(auth_views.PasswordResetView):
    template_name = "registration/password_reset_form.html"
    form_class = ResetPasswordForm
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


@login_required
def sessions(request):
    """Where I am signed in: browser sessions and API tokens, each with its own end."""
    return render(
        request,
        "accounts/sessions.html",
        {
            "sessions": services.sessions_of(request.user),
            "current_session": request.session.session_key,
            "tokens": request.user.auth_token_set.order_by("-created"),
            "token_days": settings.API_TOKEN_DAYS,
        },
    )


@require_POST
@login_required
def end_session(request, session_id):
    if services.end_session(request.user, session_id):
        messages.success(request, "That session has been logged out.")
    return redirect("accounts:sessions")


@require_POST
@login_required
def revoke_token(request, token_key):
    if services.revoke_token(request.user, token_key):
        messages.success(request, "That API token has been revoked.")
    return redirect("accounts:sessions")


@require_POST
@login_required
def log_out_everywhere(request):
    services.sign_out_everywhere(request.user)
    logout(request)
    messages.success(request, "You have been logged out everywhere: every session and API token has ended.")
    return redirect("accounts:login")


class PasswordChangeView(SuccessMessageMixin, auth_views.PasswordChangeView):
    form_class = ChangePasswordForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")
    success_message = "Your password has been changed."


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class DeleteAccountView(LoginRequiredMixin, FormView):
    form_class = DeleteAccountForm
    template_name = "accounts/delete_account.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        self.request.user.delete()
        logout(self.request)
        self.request.session[ACCOUNT_DELETED_SESSION_KEY] = True
        return redirect("accounts:deleted")


def account_deleted(request):
    if not request.session.pop(ACCOUNT_DELETED_SESSION_KEY, False):
        return redirect("home")
    return render(request, "accounts/account_deleted.html")
