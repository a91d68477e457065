"""What emotions tells the apps built on it (music), which it never imports."""

from django.dispatch import Signal

# Sent with ``user`` after all of their detections were deleted: whatever an app derived
# from their readings, even without a link to a detection (a live-mode reading), must go.
# A row derived from one detection references it with on_delete=CASCADE instead.
history_deleted = Signal()
