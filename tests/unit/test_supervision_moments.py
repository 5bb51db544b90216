"""The supervision page's moment times: SESSION:MM:SS or SESSION:H:MM:SS, and the checks
against the chosen sessions (pure functions; the page itself: test_day_pages.py)."""

from __future__ import annotations

import pytest

from presence_coach.errors import UsageError
from presence_coach.summary.page_shell import clock
from presence_coach.summary.supervision import Moment, check_moments, parse_moment


@pytest.mark.parametrize(
    ("text", "session", "at_s"),
    [
        ("3:12:05", 3, 725.0),
        ("3:1:02:05", 3, 3725.0),
        ("12:75:00", 12, 4500.0),
        (" 1:0:00 ", 1, 0.0),
    ],
)
def test_moment_times(text: str, session: int, at_s: float) -> None:
    m = parse_moment(text, "  my line ")
    assert m == Moment(session, at_s, "my line")
    assert parse_moment(f"{session}:{clock(at_s)}", "x").at_s == at_s  # clock() reads back


@pytest.mark.parametrize(
    "text", ["12:05", "3:12:5", "3:12:60", "3:1:60:00", "a:1:00", "3:-1:00", ""]
)
def test_bad_moment_times_name_the_form(text: str) -> None:
    with pytest.raises(UsageError, match="SESSION:MM:SS"):
        parse_moment(text, "x")


def test_moments_must_be_in_a_chosen_session_and_within_it() -> None:
    chosen = {4: {"session": {"duration_s": 600.0}}, 9: {"session": {"duration_s": 90.0}}}
    check_moments([Moment(4, 600.0, "x"), Moment(9, 91.0, "y")], chosen)  # the last second
    with pytest.raises(UsageError, match="after the end of session 9, which lasted 1:30"):
        check_moments([Moment(9, 95.0, "y")], chosen)
    with pytest.raises(
        UsageError, match=r"session 5, which is not one of the chosen sessions \(4 9\)"
    ):
        check_moments([Moment(5, 1.0, "z")], chosen)
