"""What accounts tells the apps built on it, so that they act on their own data without
accounts importing them (each app's ``privacy`` module connects its receivers)."""

from django.dispatch import Signal

# Sent with ``user`` after the consent to face processing is withdrawn: photos must go
# and no further analysis may run.
face_consent_withdrawn = Signal()

# Sent with ``user`` and ``previous`` (the old choice) after the photo retention changes:
# photos already kept must follow the new choice when it is shorter.
photo_retention_changed = Signal()
