"""The realtime client (asyncio, WebSocket) and its parts: the per-channel cursors that
give each persistent event once and in order, and the unread cache."""

from .client import ParleyRealtime, ReconnectPolicy, ResyncEvent, StateChange, is_persistent
from .cursors import ChannelCursors
from .unread import ChannelReadState, UnreadCache, UnreadChange

__all__ = [
    "ChannelCursors",
    "ChannelReadState",
    "ParleyRealtime",
    "ReconnectPolicy",
    "ResyncEvent",
    "StateChange",
    "UnreadCache",
    "UnreadChange",
    "is_persistent",
]
