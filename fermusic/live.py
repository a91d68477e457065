"""Push events to a user's browser tabs through the channel layer."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def push_to_user(user_id: int, event: str, payload: dict) -> None:
    """Send ``payload`` to the user's group once the current transaction commits,
    so that a listener never sees data that was rolled back."""

    def send():
        async_to_sync(get_channel_layer().group_send)(
            user_group(user_id), {"type": "user.event", "event": event, "payload": payload}
        )

    transaction.on_commit(send)
