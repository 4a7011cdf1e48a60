"""The realtime client: one WebSocket (``GET /v1/connect``) that reconnects by itself with
exponential backoff and jitter, resumes every channel from its cursor so the app sees each
persistent event once and in order, refetches a channel the server cannot replay,
refreshes an expired user token before reconnecting, and keeps the local unread cache
current. Sends, typing and read marks go over the socket when it is open (read marks
through REST otherwise)."""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Self
from urllib.parse import urlencode

import websockets
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from .._async_rest import AsyncParleyUserClient
from .._generated.models import Channel, Message, NewMessage
from .._http import client_id
from ..errors import ParleyError, parse_retry_after
from ..tokens import TOKEN_CODES
from .cursors import ChannelCursors
from .unread import UnreadCache, UnreadChange

log = logging.getLogger("parley.realtime")

ConnectionState = Literal["connecting", "connected", "reconnecting", "disconnected"]
Listener = Callable[[Any], "None | Awaitable[None]"]

#: Persistent event types: they carry ``seq`` and go through the cursors.
PERSISTENT_PREFIXES = ("message.", "reaction.", "member.")
PERSISTENT_TYPES = {"channel.created", "channel.updated", "read.updated", "user.banned", "user.unbanned"}
#: Close codes after which reconnecting with the same credentials cannot succeed.
FATAL_CLOSE_CODES = (4401, 4403)
#: Codes of refusals after which reconnecting cannot succeed until the app acts.
FATAL_CODES = (
    "invalid_api_key",
    "missing_credentials",
    "tenant_disabled",
    "user_deactivated",
    "user_deleted",
    "user_banned",
    "origin_not_allowed",
)
#: Channel errors after which the channel is no longer followed.
UNFOLLOW_CODES = ("not_a_member", "channel_not_found", "forbidden")


def is_persistent(frame: Mapping[str, Any]) -> bool:
    """Whether a server frame is a channel event of the log (it has a ``cid`` and a ``seq``)."""
    kind = frame.get("type", "")
    return (
        isinstance(frame.get("seq"), int)
        and isinstance(frame.get("cid"), str)
        and (kind in PERSISTENT_TYPES or kind.startswith(PERSISTENT_PREFIXES))
    )


@dataclass(frozen=True)
class ReconnectPolicy:
    """Waits between reconnection attempts."""

    #: First wait, in seconds.
    initial_delay: float = 0.5
    #: Longest wait, in seconds.
    max_delay: float = 30.0
    #: Growth per attempt.
    factor: float = 2.0
    #: Share of each wait drawn at random (0: none, 1: anywhere from 0 to the full wait).
    jitter: float = 0.5


@dataclass(frozen=True)
class StateChange:
    """Payload of the ``state`` event."""

    state: ConnectionState
    previous: ConnectionState
    #: Reconnection attempt (from 1), while reconnecting.
    attempt: int = 0
    #: Wait before the next attempt, in seconds, while reconnecting.
    delay: float = 0.0
    #: Why the connection ended or was refused, when known.
    error: ParleyError | None = None


@dataclass(frozen=True)
class ResyncEvent:
    """Payload of the ``resync`` event: a channel the server could not replay
    (``resume.failed``) was fetched again through REST."""

    cid: str
    #: ``expired``, ``too_far_behind`` or ``cursor_ahead``.
    reason: str
    #: The channel's newest event ``seq``, from which live events continue.
    seq: int
    channel: Channel | None = None
    #: The newest messages, in ascending ``seq``.
    messages: list[Message] | None = None
    #: Set when the refetch failed; the app should fetch the channel itself.
    error: ParleyError | None = None


class ParleyRealtime:
    """Realtime events of a user, over one WebSocket.

    Listen with ``on(type, listener)``: a server frame or event type (``message.new``,
    ``typing.start``, ``resume.failed`` …), ``state`` (``StateChange``), ``resync``
    (``ResyncEvent``), ``unread`` (``UnreadChange``), or ``*`` for every server frame.
    Listeners are plain functions or coroutine functions. Persistent events reach them once
    each and, per channel, in ``seq`` order, across reconnects.
    """

    def __init__(
        self,
        client: AsyncParleyUserClient,
        *,
        reconnect: ReconnectPolicy | None = None,
        cursors: Mapping[str, int] | None = None,
        heartbeat: float = 30.0,
        open_timeout: float = 10.0,
        send_timeout: float = 30.0,
        typing_interval: float = 3.0,
        typing_stop_after: float = 4.0,
        read_throttle: float = 1.0,
        resync_messages: int = 50,
        load_unread: bool = True,
    ) -> None:
        """``cursors`` are cursors kept from an earlier session (``cursors()``), to resume
        from instead of the present. ``heartbeat``: seconds between WebSocket pings; a
        connection that does not answer one within as long again is replaced.
        ``send_timeout``: how long ``send_message`` waits for its ``ack``, across reconnects.
        ``typing_interval``: least time between two ``typing.start`` of one channel;
        ``typing_stop_after``: a ``typing.stop`` follows the last keystroke after this.
        ``read_throttle``: least time between two read marks sent for one channel.
        ``resync_messages``: messages fetched with a channel after ``resume.failed``.
        ``load_unread``: load the unread cache from REST on the first connection."""
        self.rest = client
        self.reconnect_policy = reconnect or ReconnectPolicy()
        self.heartbeat = heartbeat
        self.open_timeout = open_timeout
        self.send_timeout = send_timeout
        self.typing_interval = typing_interval
        self.typing_stop_after = typing_stop_after
        self.read_throttle = read_throttle
        self.resync_messages = resync_messages
        self.load_unread = load_unread

        self._cursors = ChannelCursors(self._apply_event, self._request_resume, cursors)
        #: Unread counts and read marks, kept current by events.
        self.unread = UnreadCache(lambda change: self._emit("unread", change), self._refetch_unread)
        self._listeners: dict[str, list[Listener]] = {}
        self._pending: dict[str, tuple[dict[str, Any], asyncio.Future[dict[str, Any]]]] = {}
        self._typing: dict[str, tuple[float, asyncio.TimerHandle]] = {}
        self._reads: dict[str, dict[str, Any]] = {}
        self._unread_refetches: set[str] = set()
        self._tasks: set[asyncio.Task[Any]] = set()

        self._state: ConnectionState = "disconnected"
        self._runner: asyncio.Task[None] | None = None
        self._outbox: asyncio.Queue[dict[str, Any]] | None = None
        self._ready = False
        self._stopped = True
        self._attempt = 0
        self._unread_loaded = False
        self._next_req_id = 1
        self._connected: asyncio.Future[None] | None = None

    # ------------------------------------------------------------------ state

    @property
    def state(self) -> ConnectionState:
        """Where the connection stands."""
        return self._state

    def cursors(self) -> dict[str, int]:
        """Each followed channel's cursor (newest event ``seq`` applied): store them to resume later."""
        return self._cursors.snapshot()

    # ------------------------------------------------------------------ events

    def on(self, type: str, listener: Listener) -> Callable[[], None]:
        """Calls ``listener`` with each payload of ``type``; returns the function that stops it."""
        self._listeners.setdefault(type, []).append(listener)

        def off() -> None:
            listeners = self._listeners.get(type, [])
            if listener in listeners:
                listeners.remove(listener)

        return off

    async def next(
        self, type: str, predicate: Callable[[Any], bool] | None = None, *, timeout: float | None = None
    ) -> Any:
        """The next payload of ``type`` that satisfies ``predicate``."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

        def listener(payload: Any) -> None:
            if not future.done() and (predicate is None or predicate(payload)):
                future.set_result(payload)

        off = self.on(type, listener)
        try:
            return await asyncio.wait_for(future, timeout)
        finally:
            off()

    def _emit(self, type: str, payload: Any) -> None:
        for listener in list(self._listeners.get(type, [])):
            try:
                result = listener(payload)
                if inspect.isawaitable(result):
                    self._spawn(result)
            except Exception:
                # An app's listener must not break the connection.
                log.exception("a listener of %r failed", type)

    def _spawn(self, awaitable: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(awaitable)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("a realtime task failed", exc_info=task.exception())

    def _set_state(self, state: ConnectionState, **extra: Any) -> None:
        previous, self._state = self._state, state
        self._emit("state", StateChange(state=state, previous=previous, **extra))

    # ------------------------------------------------------------------ lifecycle

    async def connect(self) -> None:
        """Connects, and keeps reconnecting until ``disconnect()``. Returns once connected;
        raises ``ParleyError`` if the server refuses in a way reconnecting cannot cure."""
        if self._stopped:
            self._stopped = False
            self._attempt = 0
            self._connected = asyncio.get_running_loop().create_future()
            self._set_state("connecting")
            self._runner = asyncio.create_task(self._run())
        if self._state == "connected":
            return
        if self._connected is None or self._connected.done():
            self._connected = asyncio.get_running_loop().create_future()
        await asyncio.shield(self._connected)

    async def disconnect(self) -> None:
        """Closes the connection and stops reconnecting; cursors and the unread cache stay."""
        if self._stopped and self._runner is None:
            return
        self._stopped = True
        runner, self._runner = self._runner, None
        if runner is not None and runner is not asyncio.current_task():
            runner.cancel()
            try:
                await runner
            except asyncio.CancelledError:
                pass
        self._end(ParleyError("disconnected", 0, "the client disconnected"))
        for _, handle in self._typing.values():
            handle.cancel()
        self._typing.clear()
        for entry in self._reads.values():
            entry["timer"].cancel()
        self._reads.clear()
        for task in list(self._tasks):
            task.cancel()
        self._set_state("disconnected")

    async def __aenter__(self) -> Self:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.disconnect()

    def _end(self, error: ParleyError) -> None:
        """Fails every waiting send and ``connect()`` with ``error``."""
        for _, future in self._pending.values():
            if not future.done():
                future.set_exception(error)
        self._pending.clear()
        if self._connected is not None and not self._connected.done():
            self._connected.set_exception(error)
            # Retrieved here so that an unawaited failure is not reported as lost.
            self._connected.exception()

    def _url(self, token: str) -> str:
        base = self.rest.base_url
        scheme = "wss" if base.startswith("https") else "ws"
        return f"{scheme}{base[base.index(':') :]}/v1/connect?" + urlencode(
            {"api_key": self.rest.api_key, "token": token}
        )

    async def _run(self) -> None:
        """Connects and reconnects until stopped or refused for good."""
        while not self._stopped:
            try:
                token = await self.rest.tokens.get()
            except Exception as cause:  # noqa: BLE001 (the app's provider may fail in any way)
                error = ParleyError("token_provider_failed", 0, repr(cause))
                await self._wait_before_reconnect(0.0, error)
                continue
            error = None
            close_code: int | None = None
            try:
                socket = await websockets.connect(
                    self._url(token),
                    open_timeout=self.open_timeout,
                    ping_interval=self.heartbeat,
                    ping_timeout=self.heartbeat,
                    close_timeout=2,
                    max_size=2**24,
                )
            except InvalidStatus as refused:
                error = _handshake_error(refused)
            except (TimeoutError, OSError, InvalidHandshake) as failure:
                error = ParleyError("network_error", 0, str(failure) or type(failure).__name__)
            else:
                close_code, reason = await self._serve(socket)
                if close_code in FATAL_CLOSE_CODES:
                    self._fail(ParleyError(reason or f"closed_{close_code}", 0, f"closed with {close_code}"))
                    return
                if close_code == 1012:
                    # The node is shutting down: reconnect at once (to another node).
                    await self._wait_before_reconnect(0.0, None, immediate=True)
                    continue
            if self._stopped:
                return
            if error is not None and error.code in TOKEN_CODES and self.rest.tokens.refreshable:
                try:
                    await self.rest.tokens.refresh(error.code, stale=token)
                except Exception as cause:  # noqa: BLE001 (the app's provider may fail in any way)
                    log.warning("the token provider failed: %r; the next attempt asks it again", cause)
                await self._wait_before_reconnect(0.0, error)
                continue
            if error is not None and error.code in FATAL_CODES:
                self._fail(error)
                return
            await self._wait_before_reconnect((error.retry_after or 0.0) if error else 0.0, error)

    async def _serve(self, socket: Any) -> tuple[int | None, str]:
        """Reads one connection's frames until it closes; answers its close code and reason."""
        outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._outbox = outbox
        self._ready = False

        async def write() -> None:
            while True:
                frame = await outbox.get()
                await socket.send(json.dumps(frame))

        writer = asyncio.create_task(write())
        try:
            async for raw in socket:
                if not isinstance(raw, str):
                    continue
                try:
                    frame = json.loads(raw)
                except ValueError:
                    continue
                if isinstance(frame, dict):
                    self._handle_frame(frame)
        except ConnectionClosed:
            pass
        finally:
            self._ready = False
            self._outbox = None
            writer.cancel()
            # Closing here also covers a cancellation (disconnect()).
            await asyncio.shield(socket.close())
        return socket.close_code, socket.close_reason or ""

    async def _wait_before_reconnect(
        self, min_delay: float, error: ParleyError | None, *, immediate: bool = False
    ) -> None:
        policy = self.reconnect_policy
        self._attempt += 1
        ceiling = min(policy.max_delay, policy.initial_delay * policy.factor ** (self._attempt - 1))
        backoff = ceiling * (1 - policy.jitter * random.random())
        delay = max(min_delay, 0.0 if immediate or (min_delay == 0 and self._attempt == 1) else backoff)
        self._set_state("reconnecting", attempt=self._attempt, delay=delay, error=error)
        await asyncio.sleep(delay)

    def _fail(self, error: ParleyError) -> None:
        self._stopped = True
        self._runner = None
        self._end(error)
        self._set_state("disconnected", error=error)

    # ------------------------------------------------------------------ frames

    def _handle_frame(self, frame: dict[str, Any]) -> None:
        if is_persistent(frame):
            self._cursors.receive(frame)
            return
        kind = frame.get("type")
        if kind == "connection.ready":
            self._on_ready(frame)
        elif kind == "subscribed":
            self._cursors.adopt(frame.get("cursors") or {})
        elif kind == "resumed":
            self._cursors.resumed(frame.get("cursors") or {})
        elif kind == "resume.failed":
            self._cursors.failed(frame["cid"], frame["seq"])
            self._spawn(self._resync(frame))
        elif kind == "ack":
            entry = self._pending.get(str(frame.get("req_id")))
            if entry is not None and "message" in frame:
                del self._pending[str(frame.get("req_id"))]
                if not entry[1].done():
                    entry[1].set_result(frame["message"])
        elif kind == "error":
            req_id = frame.get("req_id")
            entry = self._pending.pop(str(req_id), None) if req_id is not None else None
            if entry is not None:
                if not entry[1].done():
                    entry[1].set_exception(ParleyError.from_frame(frame))
            elif frame.get("cid") and frame.get("code") in UNFOLLOW_CODES:
                self._cursors.forget(frame["cid"])
        elif kind == "notification.added_to_channel" and isinstance(frame.get("cursor"), int):
            # Starts the new channel's cursor unless one of its events already did.
            self._cursors.adopt({frame["cid"]: frame["cursor"]})
        elif kind == "channel.deleted":
            self._cursors.forget(frame["cid"])
            self.unread.drop(frame["cid"])
        self._emit(str(kind), frame)
        self._emit("*", frame)

    def _on_ready(self, frame: dict[str, Any]) -> None:
        self._ready = True
        self._attempt = 0
        self.unread.user_id = frame.get("user_id")
        stored = self._cursors.snapshot()
        self._cursors.adopt(frame.get("cursors") or {})
        if stored:
            self._cursors.resuming_all()
            self._send({"type": "resume", "cursors": stored})
        for queued, _ in self._pending.values():
            self._send(queued)
        if self.load_unread and not self._unread_loaded:
            self._unread_loaded = True
            self._spawn(self._load_unread())
        self._set_state("connected")
        if self._connected is not None and not self._connected.done():
            self._connected.set_result(None)

    async def _load_unread(self) -> None:
        try:
            self.unread.load(await self.rest.unread())
        except ParleyError:
            self._unread_loaded = False

    def _apply_event(self, event: dict[str, Any]) -> None:
        """Delivers one persistent event, in order and once, to the cache and the app."""
        self.unread.apply(event)
        self._emit(event["type"], event)
        self._emit("*", event)

    def _request_resume(self, cursors: dict[str, int]) -> None:
        self._send({"type": "resume", "cursors": cursors})

    async def _resync(self, frame: dict[str, Any]) -> None:
        """Refetches a channel the server could not replay, and tells the app."""
        cid = frame["cid"]
        try:
            channel, page = await asyncio.gather(
                self.rest.get_channel(cid), self.rest.history(cid, limit=self.resync_messages)
            )
        except ParleyError as error:
            self._emit("resync", ResyncEvent(cid, frame["reason"], frame["seq"], error=error))
            return
        self.unread.set_from_server(channel)
        self._emit("resync", ResyncEvent(cid, frame["reason"], frame["seq"], channel=channel, messages=page.items))

    def _refetch_unread(self, cid: str) -> None:
        if cid in self._unread_refetches:
            return
        self._unread_refetches.add(cid)

        async def refetch() -> None:
            try:
                self.unread.set_from_server(await self.rest.get_channel(cid))
            except ParleyError:
                pass
            finally:
                self._unread_refetches.discard(cid)

        self._spawn(refetch())

    # ------------------------------------------------------------------ client frames

    async def send_message(self, cid: str, message: NewMessage | Mapping[str, Any]) -> dict[str, Any]:
        """Sends a message over the socket and returns the stored message (a dict, as in
        events) once the server acknowledged it: it is committed then. A send made while
        reconnecting waits and goes out on the next connection; the client id makes a
        repeat harmless. Raises ``ParleyError`` with the ``error`` frame's code, or
        ``timeout`` after ``send_timeout``."""
        body = message.to_dict() if isinstance(message, NewMessage) else dict(message)
        body.setdefault("text", "")
        if not body.get("id"):
            body["id"] = client_id()
        req_id = f"m{self._next_req_id}"
        self._next_req_id += 1
        frame = {"type": "message.send", "req_id": req_id, "cid": cid, "message": body}
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[req_id] = (frame, future)
        if self._ready:
            self._send(frame)
        try:
            return await asyncio.wait_for(future, self.send_timeout)
        except TimeoutError:
            raise ParleyError("timeout", 0, f"no ack for the message within {self.send_timeout} s") from None
        finally:
            self._pending.pop(req_id, None)

    def keystroke(self, cid: str) -> None:
        """Call on each keystroke: sends ``typing.start`` at most once per
        ``typing_interval`` per channel, and ``typing.stop`` after ``typing_stop_after``
        without one."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        sent = self._typing.get(cid)
        if sent is not None:
            sent[1].cancel()
        stop = loop.call_later(self.typing_stop_after, self.stop_typing, cid)
        if sent is None or now - sent[0] >= self.typing_interval:
            self._send({"type": "typing.start", "cid": cid})
            self._typing[cid] = (now, stop)
        else:
            self._typing[cid] = (sent[0], stop)

    def stop_typing(self, cid: str) -> None:
        """Sends ``typing.stop`` if a ``typing.start`` is standing (e.g. when the message is sent)."""
        sent = self._typing.pop(cid, None)
        if sent is None:
            return
        sent[1].cancel()
        self._send({"type": "typing.stop", "cid": cid})

    def mark_read(self, cid: str, seq: int | None = None) -> None:
        """Marks a channel read up to message ``seq`` (default: everything): the unread cache
        follows at once; the server hears of it at most once per ``read_throttle`` per
        channel, with the latest mark."""
        self.unread.marked_read(cid, seq)
        entry = self._reads.get(cid)
        if entry is not None:
            # Another mark during the wait: send the furthest one when it ends (None: everything).
            if not entry["pending"]:
                entry["pending"], entry["seq"] = True, seq
            elif seq is None or entry["seq"] is None:
                entry["seq"] = None
            else:
                entry["seq"] = max(seq, entry["seq"])
            return
        self._send_read(cid, seq)
        loop = asyncio.get_running_loop()

        def flush() -> None:
            current = self._reads.get(cid)
            if current is None or not current["pending"]:
                self._reads.pop(cid, None)
                return
            current["pending"] = False
            self._send_read(cid, current["seq"])
            current["timer"] = loop.call_later(self.read_throttle, flush)

        self._reads[cid] = {"timer": loop.call_later(self.read_throttle, flush), "pending": False, "seq": None}

    def _send_read(self, cid: str, seq: int | None) -> None:
        frame: dict[str, Any] = {"type": "read", "cid": cid}
        if seq is not None:
            frame["seq"] = seq
        if not self._send(frame):
            self._spawn(self._rest_read(cid, seq))

    async def _rest_read(self, cid: str, seq: int | None) -> None:
        try:
            await self.rest.mark_read(cid, seq)
        except ParleyError as error:
            log.warning("marking %s read failed: %s", cid, error)

    def subscribe(self, cids: list[str]) -> bool:
        """Follows more channels on this connection (``team`` or ``livestream`` channels, say)."""
        return self._send({"type": "subscribe", "cids": list(cids)})

    def unsubscribe(self, cids: list[str]) -> bool:
        for cid in cids:
            self._cursors.forget(cid)
        return self._send({"type": "unsubscribe", "cids": list(cids)})

    def _send(self, frame: dict[str, Any]) -> bool:
        """Queues a frame if the connection is open and ready; False otherwise."""
        if not self._ready or self._outbox is None:
            return False
        self._outbox.put_nowait(frame)
        return True


def _handshake_error(refused: InvalidStatus) -> ParleyError:
    """The problem document of a refused handshake (an HTTP answer, not a close)."""
    response = refused.response
    try:
        body = json.loads(response.body or b"")
    except ValueError:
        body = None
    problem = body if isinstance(body, dict) and isinstance(body.get("code"), str) else {}
    return ParleyError(
        code=problem.get("code", f"http_{response.status_code}"),
        status=response.status_code,
        detail=str(problem.get("detail", "")),
        title=problem.get("title"),
        type=problem.get("type"),
        action=problem.get("action"),
        retry_after=parse_retry_after(response.headers.get("Retry-After")),
        request_id=response.headers.get("X-Request-Id"),
        problem=problem or None,
    )


__all__ = ["ParleyRealtime", "ReconnectPolicy", "ResyncEvent", "StateChange", "UnreadChange", "is_persistent"]
