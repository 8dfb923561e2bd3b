"""The chat client: `ChatClient(...)`, the events it reports, and the per-mode codecs."""

from chatkit.client.chat_client import CannotConnect, ChatClient
from chatkit.client.events import (
    ChatMessage,
    Closed,
    Event,
    GroupChanged,
    Joined,
    Members,
    Notice,
    Problem,
    RoomList,
    Wire,
)
from chatkit.protocol import ChatError, Refused

__all__ = [
    "CannotConnect",
    "ChatClient",
    "ChatError",
    "ChatMessage",
    "Closed",
    "Event",
    "GroupChanged",
    "Joined",
    "Members",
    "Notice",
    "Problem",
    "Refused",
    "RoomList",
    "Wire",
]
