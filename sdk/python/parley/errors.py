"""Errors of the Parley API as one exception class, built from the RFC 9457 problem
documents the server answers with (REST) or from realtime ``error`` frames, and the opt-in
retry policy that honours ``Retry-After``."""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx


class ParleyError(Exception):
    """A refused request: switch on ``code`` (stable, snake_case), never on ``detail``.

    ``status`` is the HTTP status (0 when the error came from a realtime frame or the
    request never reached the server); ``retry_after`` is set, in seconds, when the server
    said when to try again (``Retry-After`` of a 429 or 503, ``retry_after`` of a frame).
    """

    def __init__(
        self,
        code: str,
        status: int,
        detail: str = "",
        *,
        title: str | None = None,
        type: str | None = None,
        action: str | None = None,
        retry_after: float | None = None,
        request_id: str | None = None,
        cid: str | None = None,
        problem: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        #: Stable machine-readable code, e.g. ``channel_not_found``, ``rate_limited``.
        self.code = code
        #: HTTP status; 0 for realtime ``error`` frames and network failures.
        self.status = status
        #: Human-readable explanation of this occurrence.
        self.detail = detail
        #: Short summary of the problem type.
        self.title = title or code
        #: The problem type URI (``urn:parley:error:{code}``).
        self.type = type or f"urn:parley:error:{code}"
        #: For ``forbidden``: the permission that was denied.
        self.action = action
        #: Seconds to wait before trying again.
        self.retry_after = retry_after
        #: The server's ``X-Request-Id`` of the refused request, for support.
        self.request_id = request_id
        #: The channel concerned, for realtime errors about one channel.
        self.cid = cid
        #: The whole problem document (or frame), with any extra member it had.
        self.problem: dict[str, Any] = dict(problem or {})

    def __repr__(self) -> str:
        return f"ParleyError(code={self.code!r}, status={self.status}, detail={self.detail!r})"

    @classmethod
    def from_response(cls, response: httpx.Response) -> ParleyError:
        """Builds the error from a non-2xx answer (its body must have been read)."""
        try:
            body = response.json()
        except (ValueError, json.JSONDecodeError):
            body = None
        problem = body if isinstance(body, dict) and isinstance(body.get("code"), str) else None
        return cls(
            code=problem["code"] if problem else f"http_{response.status_code}",
            status=response.status_code,
            detail=str(problem.get("detail", "")) if problem else response.text,
            title=str(problem.get("title")) if problem and problem.get("title") else response.reason_phrase,
            type=problem.get("type") if problem else None,
            action=problem.get("action") if problem else None,
            retry_after=parse_retry_after(response.headers.get("retry-after")),
            request_id=response.headers.get("x-request-id"),
            problem=problem,
        )

    @classmethod
    def from_frame(cls, frame: Mapping[str, Any]) -> ParleyError:
        """Builds the error from a realtime ``error`` frame."""
        return cls(
            code=str(frame.get("code", "error")),
            status=0,
            detail=str(frame.get("detail", "")),
            action=frame.get("action"),
            retry_after=frame.get("retry_after"),
            cid=frame.get("cid"),
            problem=frame,
        )


def parse_retry_after(value: str | None) -> float | None:
    """``Retry-After`` as seconds: either delta-seconds or an HTTP date."""
    if value is None or not value.strip():
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


@dataclass(frozen=True)
class RetryPolicy:
    """When to send a refused request again. Off unless given to a client.

    Only 429 (rate limits, slow mode) and 503 (database or node unavailable, shutting
    down) are retried by default, because the server answers them before doing any work;
    message sends carry a client id, so a repeat of one whose answer was lost is stored
    once.
    """

    #: Attempts after the first.
    max_retries: int = 3
    #: Wait when the answer has no ``Retry-After``, in seconds; doubled each attempt.
    base_delay: float = 1.0
    #: Give up (return the refusal) instead of waiting longer than this for one attempt.
    max_delay: float = 30.0
    #: Statuses to retry.
    statuses: tuple[int, ...] = (429, 503)

    def delay(self, attempt: int, response: httpx.Response) -> float | None:
        """Seconds to wait before attempt ``attempt + 1``, or None to give up."""
        if attempt >= self.max_retries or response.status_code not in self.statuses:
            return None
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        delay = retry_after if retry_after is not None else self.base_delay * 2**attempt
        return None if delay > self.max_delay else delay
