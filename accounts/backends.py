"""Log in with a username in any case.

Sign-up refuses a username that differs from an existing one only in case, so
"Alice" and "alice" are one account; a phone keyboard that capitalises the first
letter must not lock its owner out. Accounts created before that rule could share a
name in different cases: for them only the exact spelling logs in.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Value
from django.db.models.functions import Lower
from django.db.models.lookups import Exact


class CaseInsensitiveUsernameBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        User = get_user_model()
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        if len(username) > User._meta.get_field(User.USERNAME_FIELD).max_length:
            # No account can have such a name. Run the hasher anyway, as Django does for
            # a missing user, so the answer's timing does not tell names apart.
            User().set_password(password)
            return None
        # Both sides lower-cased by the database, so each engine folds them alike; an
        # equality, never a LIKE pattern, whatever the username holds.
        same_name = Exact(Lower(User.USERNAME_FIELD), Lower(Value(username)))
        matches = list(User._default_manager.filter(same_name)[:2])
        if len(matches) != 1:
            # No such user, or several spellings: Django's own exact lookup (which also
            # runs the hasher once for a missing user, so timing does not reveal names).
            return super().authenticate(request, username=username, password=password, **kwargs)
        user = matches[0]
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
