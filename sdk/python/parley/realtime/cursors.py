"""Per-channel event cursors, applying the ordering rules of ``openapi/asyncapi.yaml``
("Events, sequence numbers and ordering", "Resume"): a duplicate is dropped, the next
event is applied, an event past a gap is held back and asks for one ``resume`` of that
channel; ``resumed`` is authoritative for the cursor, since events the server hides from
this user (shadow-banned authors, blocked users) leave gaps it skips on purpose."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Event = dict[str, Any]


class ChannelCursors:
    def __init__(
        self,
        apply: Callable[[Event], None],
        request_resume: Callable[[dict[str, int]], None],
        initial: Mapping[str, int] | None = None,
    ) -> None:
        self._apply = apply
        self._request_resume = request_resume
        #: ``last[cid]``: the newest event ``seq`` applied, or set by the server.
        self._last: dict[str, int] = dict(initial or {})
        #: Events that arrived past a gap, by channel and ``seq``, waiting to be released in order.
        self._held: dict[str, dict[int, Event]] = {}
        #: Channels with a ``resume`` in flight: no second one until ``resumed`` arrives.
        self._resuming: set[str] = set()

    def snapshot(self) -> dict[str, int]:
        """Every channel's cursor, for a ``resume`` after a reconnect or for the app to store."""
        return dict(self._last)

    def get(self, cid: str) -> int | None:
        return self._last.get(cid)

    def __len__(self) -> int:
        return len(self._last)

    def adopt(self, cursors: Mapping[str, int]) -> None:
        """Takes the cursors of ``connection.ready`` or ``subscribed`` for channels without
        one: live events of those follow from there. Channels with a cursor keep it; the
        ``resume`` sent next brings them up to date."""
        for cid, seq in cursors.items():
            self._last.setdefault(cid, seq)

    def resuming_all(self) -> None:
        """Marks every channel as resuming, when a ``resume`` of all of them is sent (reconnect)."""
        self._resuming.update(self._last)

    def receive(self, event: Event) -> None:
        """Handles one persistent event."""
        cid, seq = event["cid"], event["seq"]
        last = self._last.get(cid)
        if last is None:
            # A channel this client had no cursor for (just added to it): its first event starts it.
            self._last[cid] = seq
            self._apply(event)
            return
        if seq <= last:
            return
        if seq == last + 1:
            self._last[cid] = seq
            self._apply(event)
            self._release(cid)
            return
        self._held.setdefault(cid, {})[seq] = event
        if cid not in self._resuming:
            self._resuming.add(cid)
            self._request_resume({cid: last})

    def resumed(self, cursors: Mapping[str, int]) -> None:
        """Handles ``resumed``: events held back at or below each channel's new cursor were
        sent by the server and are released in ``seq`` order; then the cursor becomes the
        server's, even where some ``seq``s were never seen; then whatever follows it in
        order is released. If what is still held does not follow, there is a new gap, and a
        new ``resume``."""
        for cid, cursor in cursors.items():
            self._resuming.discard(cid)
            held = self._held.get(cid)
            if held:
                for seq in sorted(held):
                    if seq > cursor:
                        break
                    event = held.pop(seq)
                    if seq > self._last.get(cid, 0):
                        self._apply(event)
            self._last[cid] = cursor
            self._release(cid)
            if self._held.get(cid):
                self._resuming.add(cid)
                self._request_resume({cid: cursor})

    def failed(self, cid: str, seq: int) -> None:
        """Handles ``resume.failed``: what is held is dropped (the app refetches the
        channel) and the cursor continues from the channel's newest event."""
        self._held.pop(cid, None)
        self._resuming.discard(cid)
        self._last[cid] = seq

    def forget(self, cid: str) -> None:
        """Stops following a channel (deleted, left, or refused by the server)."""
        self._last.pop(cid, None)
        self._held.pop(cid, None)
        self._resuming.discard(cid)

    def _release(self, cid: str) -> None:
        """Applies held events that now follow the cursor, and drops held duplicates."""
        held = self._held.get(cid)
        if held is None:
            return
        last = self._last.get(cid, 0)
        for seq in [s for s in held if s <= last]:
            del held[seq]
        while (last + 1) in held:
            last += 1
            event = held.pop(last)
            self._last[cid] = last
            self._apply(event)
        if not held:
            del self._held[cid]
