"""A local cache of the user's unread counts and read marks, loaded from REST and kept
consistent by the events the realtime client applies (in order, once each). It counts the
way the server does: replies, silent messages and the user's own do not raise a count.
When an event leaves a count it cannot work out alone (a read mark that moved into
messages counted before the cache saw them), the channel is fetched again."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .._generated.models import Channel, ChannelUnread, Unread
from .._generated.types import Unset


@dataclass
class ChannelReadState:
    """What the cache knows of one channel."""

    unread_count: int = 0
    #: The message ``seq`` the user has read up to.
    last_read_seq: int = 0
    #: The newest message ``seq`` the cache knows of.
    last_message_seq: int = 0
    #: Read marks of the channel's other members seen in events, by user id.
    readers: dict[str, int] = field(default_factory=dict)
    # Message seqs counted as unread by the cache itself.
    _counted: set[int] = field(default_factory=set, repr=False)


@dataclass(frozen=True)
class UnreadChange:
    """Payload of the realtime client's ``unread`` event."""

    cid: str
    unread_count: int
    last_read_seq: int
    total_unread_count: int


def _int(value: Any, default: int = 0) -> int:
    return default if value is None or isinstance(value, Unset) else int(value)


class UnreadCache:
    def __init__(self, changed: Callable[[UnreadChange], None], refetch: Callable[[str], None]) -> None:
        self._changed = changed
        self._refetch = refetch
        self._channels: dict[str, ChannelReadState] = {}
        #: The signed-in user's id, to tell their own messages and read marks from others'.
        self.user_id: str | None = None

    def get(self, cid: str) -> ChannelReadState | None:
        """The state of one channel, if known."""
        return self._channels.get(cid)

    def items(self) -> list[tuple[str, ChannelReadState]]:
        """Every known channel's state."""
        return list(self._channels.items())

    @property
    def total_unread_count(self) -> int:
        return sum(state.unread_count for state in self._channels.values())

    def load(self, unread: Unread) -> None:
        """Takes the counts of ``GET /v1/me/unread``, which lists only channels with unread messages."""
        listed = set()
        for channel in unread.channels:
            listed.add(channel.cid)
            self.set_from_server(channel)
        for cid, state in self._channels.items():
            if cid in listed or state.unread_count == 0:
                continue
            state.unread_count = 0
            state._counted.clear()
            self._emit(cid)

    def set_from_server(self, channel: Channel | ChannelUnread) -> None:
        """Takes one channel's counts as the server gives them (``ChannelUnread``, or a fetched ``Channel``)."""
        state = self._state(channel.cid)
        state.unread_count = _int(channel.unread_count)
        if isinstance(channel, Channel):
            membership = channel.membership
            state.last_read_seq = 0 if membership is None or isinstance(membership, Unset) else membership.last_read_seq
            state.last_message_seq = max(state.last_message_seq, channel.last_seq)
        else:
            state.last_read_seq = channel.last_read_seq
            state.last_message_seq = max(state.last_message_seq, channel.last_read_seq + state.unread_count)
        state._counted.clear()
        self._emit(channel.cid)

    def apply(self, event: dict[str, Any]) -> None:
        """Follows one applied persistent event."""
        kind, cid = event.get("type"), event["cid"]
        if kind == "message.new":
            self._message_new(cid, event["message"])
        elif kind == "message.deleted":
            state = self._channels.get(cid)
            seq = event["message"].get("seq")
            if state is not None and seq in state._counted:
                state._counted.discard(seq)
                state.unread_count = max(0, state.unread_count - 1)
                self._emit(cid)
        elif kind == "read.updated":
            self._read_updated(cid, event)
        elif kind == "member.removed":
            if event["member"].get("user_id") == self.user_id:
                self.drop(cid)
        elif kind == "member.added":
            if event["member"].get("user_id") == self.user_id and cid not in self._channels:
                self._state(cid)
                self._emit(cid)

    def drop(self, cid: str) -> None:
        """Forgets a channel (deleted, or the user left it)."""
        if self._channels.pop(cid, None) is not None:
            self._changed(UnreadChange(cid, 0, 0, self.total_unread_count))

    def marked_read(self, cid: str, seq: int | None = None) -> None:
        """Records the user's own read mark ahead of the server's ``read.updated``."""
        state = self._channels.get(cid)
        if state is not None:
            self._move_read_mark(cid, state, state.last_message_seq if seq is None else seq)

    def _message_new(self, cid: str, message: dict[str, Any]) -> None:
        state = self._state(cid)
        seq = int(message["seq"])
        state.last_message_seq = max(state.last_message_seq, seq)
        counts = (
            not message.get("parent_id")
            and message.get("type") != "reply"
            and not message.get("silent")
            and message.get("user_id") != self.user_id
        )
        if counts and seq > state.last_read_seq and seq not in state._counted:
            state._counted.add(seq)
            state.unread_count += 1
        self._emit(cid)

    def _read_updated(self, cid: str, event: dict[str, Any]) -> None:
        state = self._state(cid)
        if event.get("user_id") != self.user_id:
            state.readers[event["user_id"]] = int(event["last_read_seq"])
            return
        self._move_read_mark(cid, state, int(event["last_read_seq"]))

    def _move_read_mark(self, cid: str, state: ChannelReadState, seq: int) -> None:
        if seq <= state.last_read_seq:
            return
        # Whether every unread message's seq is known: then the count follows exactly.
        all_known = state.unread_count == len(state._counted)
        state.last_read_seq = seq
        removed = {counted for counted in state._counted if counted <= seq}
        state._counted -= removed
        if seq >= state.last_message_seq:
            state.unread_count = 0
            state._counted.clear()
        elif all_known:
            state.unread_count = len(state._counted)
        else:
            # Messages counted by the server before the cache saw them have unknown seqs:
            # keep a provisional count and ask the server for the real one.
            state.unread_count = max(len(state._counted), state.unread_count - len(removed))
            self._refetch(cid)
        self._emit(cid)

    def _state(self, cid: str) -> ChannelReadState:
        state = self._channels.get(cid)
        if state is None:
            state = self._channels[cid] = ChannelReadState()
        return state

    def _emit(self, cid: str) -> None:
        state = self._channels.get(cid)
        if state is not None:
            self._changed(UnreadChange(cid, state.unread_count, state.last_read_seq, self.total_unread_count))
