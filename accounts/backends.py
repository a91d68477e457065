"""Log in with a username in any case.

Sign-up refuses a username that differs from an existing one only in case, so
"Alice" and "alice" are one account; a phone keyboard that capitalises the first
letter must not lock its owner out. Accounts created before that rule could share a
name in different cases: for them only the exact spelling logs in.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class CaseInsensitiveUsernameBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        User = get_user_model()
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        matches = list(User._default_manager.filter(**{f"{User.USERNAME_FIELD}__iexact": username})[:2])
        if len(matches) != 1:
            # No such user, or several spellings: Django's own exact lookup (which also
            # runs the hasher once for a missing user, so timing does not reveal names).
            return super().authenticate(request, username=username, password=password, **kwargs)
        user = matches[0]
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
