from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.messages.views import SuccessMessageMixin
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_safe
from django.views.generic import FormView, TemplateView, UpdateView

from accounts import consent, export
from accounts.forms import ChangePasswordForm, DeleteAccountForm, FaceConsentForm, ProfileForm, SignUpForm

# Set on the fresh, anonymous session after deletion so only the person who just
# deleted their account sees the goodbye page.
ACCOUNT_DELETED_SESSION_KEY = "account_deleted"


@method_decorator(sensitive_post_parameters("password1", "password2"), name="dispatch")
class SignUpView(auth_views.RedirectURLMixin, FormView):
    form_class = SignUpForm
    template_name = "registration/signup.html"
    next_page = settings.LOGIN_REDIRECT_URL

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect(self.get_success_url())
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        user = form.save()
        login(self.request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
        messages.success(self.request, f"Welcome to FerMusic, {user.username}! Your account is ready.")
        return redirect(self.get_success_url())

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, next=self.get_redirect_url())


class ProfileView(LoginRequiredMixin, SuccessMessageMixin, UpdateView):
    form_class = ProfileForm
    template_name = "accounts/profile.html"
    success_url = reverse_lazy("accounts:profile")
    success_message = "Your profile has been saved."

    def get_object(self, queryset=None):
        return self.request.user

    def form_valid(self, form):
        previous = form.initial["photo_retention"]
        response = super().form_valid(form)
        consent.retention_changed(self.object, previous)
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
