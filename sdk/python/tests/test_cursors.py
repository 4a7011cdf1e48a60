"""The ordering rules of the AsyncAPI document, on the cursors alone (no server)."""

from __future__ import annotations

from parley.realtime import ChannelCursors, is_persistent

CID = "messaging:room"


def event(seq: int) -> dict:
    return {"type": "message.new", "cid": CID, "seq": seq, "created_at": "", "message": {}}


def setup(initial: dict[str, int] | None = None):
    applied: list[int] = []
    resumes: list[dict[str, int]] = []
    cursors = ChannelCursors(
        lambda e: applied.append(e["seq"]), resumes.append, {CID: 4} if initial is None else initial
    )
    return cursors, applied, resumes


def test_duplicates_are_dropped_and_the_next_event_is_applied() -> None:
    cursors, applied, resumes = setup()
    for seq in [3, 4, 5, 5, 6]:
        cursors.receive(event(seq))
    assert applied == [5, 6]
    assert resumes == []
    assert cursors.get(CID) == 6


def test_a_gap_asks_for_one_resume_holds_events_back_and_releases_them_in_order() -> None:
    cursors, applied, resumes = setup()
    cursors.receive(event(7))
    cursors.receive(event(6))
    assert resumes == [{CID: 4}], "one resume for the gap"
    assert applied == []
    cursors.receive(event(5))  # replayed
    cursors.receive(event(6))  # replayed again: a duplicate now
    assert applied == [5, 6, 7]
    cursors.resumed({CID: 7})
    assert cursors.get(CID) == 7
    assert len(resumes) == 1


def test_resumed_is_authoritative_over_seqs_hidden_from_this_user() -> None:
    cursors, applied, resumes = setup()
    cursors.receive(event(7))  # 5 and 6 were hidden (a shadow-banned author)
    cursors.receive(event(7))  # replayed
    cursors.resumed({CID: 7})
    assert applied == [7]
    assert cursors.get(CID) == 7
    cursors.receive(event(8))
    assert applied == [7, 8]
    assert len(resumes) == 1, "no second resume: the hidden seqs are skipped"


def test_a_gap_still_open_after_resumed_asks_again() -> None:
    cursors, _, resumes = setup()
    cursors.receive(event(9))
    cursors.resumed({CID: 6})
    assert resumes == [{CID: 4}, {CID: 6}]


def test_resume_failed_drops_what_is_held_and_continues_from_the_servers_seq() -> None:
    cursors, applied, _ = setup()
    cursors.receive(event(9))
    cursors.failed(CID, 20)
    cursors.resumed({CID: 20})
    cursors.receive(event(21))
    assert applied == [21]


def test_a_channel_without_a_cursor_starts_at_its_first_event() -> None:
    cursors, applied, resumes = setup({})
    cursors.receive(event(3))
    cursors.receive(event(4))
    assert applied == [3, 4]
    assert resumes == []


def test_only_channel_log_events_are_persistent() -> None:
    assert is_persistent(event(1))
    assert is_persistent({"type": "read.updated", "cid": CID, "seq": 2})
    assert not is_persistent({"type": "typing.start", "cid": CID})
    assert not is_persistent({"type": "resume.failed", "cid": CID, "seq": 9, "reason": "expired"})
