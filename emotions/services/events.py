"""The push that tells a detection's owner its new state, sent after the transaction commits."""

from emotions.api.serializers import DetectionSerializer
from emotions.models import Detection
from fermusic.lib.events import push_to_user


def notify(detection: Detection) -> None:
    """Push the detection's current state to its owner after the transaction commits."""
    push_to_user(detection.owner_id, "detection.updated", DetectionSerializer(detection).data)
