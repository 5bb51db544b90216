"""The disk fills up during a session run from the app: the window and the tray say once, calmly,
that saving failed and that recording goes on; when space comes back they say that saving works
again, and the session ends kept, with nothing lost. When the disk is still full at the end and
there is no space in reserve, the window says what was kept and the next start finishes it.

Real parts: a real small disk (a 24 MB tmpfs holding the data folder, filled to the last byte
by a filler file, tests/disk.py), the camera an ``ffmpeg -re`` UDP stream of a face clip, the
real app and its session engine.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from presence_coach.app.icons import PROBLEM, RECORDING
from presence_coach.session.spare import SPARE_NAME
from presence_coach.session.store import SessionStore
from tests.cli_helpers import stored_rows
from tests.disk import fill, small_disk

FAILED = (
    "Saving failed. Your session could not be saved just now (disk full). Recording goes on, "
    "and what it records waits to be saved. Free some space on the disk that holds your data "
    "folder."
)
AGAIN = "Saving works again. Everything that waited has been saved."


def _max_gap_s(rows: list[dict]) -> float:
    return max(b["t"] - a["t"] for a, b in itertools.pairwise(rows))


def _fill_and_wait_for_the_notice(qtbot, window, disk: Path, name: str) -> Path:
    page, tray = window.session_page, window.tray
    told = len(tray.notifications)
    filler = fill(disk, name)
    qtbot.waitUntil(lambda: len(tray.notifications) > told, timeout=20000)
    assert tray.notifications[told:] == [("Saving failed", FAILED.split(". ", 1)[1])]
    assert page.banner.text() == FAILED and page.banner.property("kind") == "problem"
    assert page.saving_label.text() == "Not saving: disk full"
    assert tray.state == PROBLEM and window.running
    return filler


@pytest.fixture
def disk_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, app_env: dict):
    """The data folder on a 24 MB tmpfs (the app's folder when none is chosen)."""
    with small_disk(tmp_path / "disk", 24) as disk:
        monkeypatch.setenv("PRESENCE_COACH_DATA", str(disk / "data"))
        yield disk, disk / "data"


def test_saving_failed_is_told_then_saving_again_and_the_session_is_kept_whole(
    qtbot, make_window, live_stream: str, disk_data
) -> None:
    disk, data = disk_data
    window = make_window(camera_url=live_stream)
    page, tray = window.session_page, window.tray
    # video only: the only other notice could be the camera's (a loaded machine's PulseAudio
    # can leave the microphone silent, which is told too; tests/e2e/test_full_disk.py has the
    # microphone's rows through a full disk)
    page.mic.setCurrentIndex(page.mic.count() - 1)
    window.start_session()
    qtbot.waitUntil(lambda: stored_rows(data)[0] >= 30, timeout=60000)
    filler = _fill_and_wait_for_the_notice(qtbot, window, disk, "filler")
    rows_when_full = stored_rows(data)[0]
    qtbot.wait(3000)
    assert stored_rows(data)[0] == rows_when_full  # nothing can be written now
    filler.unlink()  # space comes back: what waited is written, and the window says so
    qtbot.waitUntil(lambda: tray.notifications[-1][0] == "Saving works again", timeout=20000)
    assert page.banner.text() == AGAIN and page.banner.property("kind") == "info"
    assert page.saving_label.text() == "Saving privately on this computer"
    qtbot.waitUntil(lambda: tray.state == RECORDING, timeout=5000)
    qtbot.waitUntil(lambda: stored_rows(data)[0] >= rows_when_full + 40, timeout=30000)
    window.stop_session()
    qtbot.waitUntil(lambda: not window.running, timeout=60000)
    assert [t for t, _ in tray.notifications] == ["Saving failed", "Saving works again"]
    text = page.banner.text()
    assert text.startswith("Session kept (under a minute)") and "report is ready" in text, text
    assert "Saving failed for a while (disk full); everything was saved" in text, text
    with SessionStore(data) as store:
        (info,) = store.sessions()
        face = store.face_timeline(info.id)
    assert info.status == "complete" and info.duration_s > 5.0
    # nothing was lost while the disk was full: a lost batch would be a second long (a busy
    # machine may skip a few frames: 0.56 s between face rows was seen)
    assert _max_gap_s(face) < 0.9 and face[-1]["t"] > info.duration_s - 1.5


def test_a_disk_still_full_at_the_end_says_what_was_kept_and_the_next_start_finishes_it(
    qtbot, make_window, live_stream: str, disk_data
) -> None:
    disk, data = disk_data
    window = make_window(camera_url=live_stream)
    page = window.session_page
    page.mic.setCurrentIndex(page.mic.count() - 1)  # video only (as above)
    window.start_session()
    qtbot.waitUntil(lambda: stored_rows(data)[0] >= 30, timeout=60000)
    (data / SPARE_NAME).unlink()  # as on a disk that had no room for the reserve
    filler = _fill_and_wait_for_the_notice(qtbot, window, disk, "filler")
    qtbot.wait(2000)
    window.stop_session()
    qtbot.waitUntil(lambda: not window.running, timeout=60000)
    text = page.banner.text()
    assert text.startswith("Session kept in part (under a minute). Saving failed (disk full): "
                           "kept up to 00:"), text  # fmt: skip
    assert f"free some space on the disk holding {data}, then the next start finishes it" in text
    assert "presence-coach" not in text and "Traceback" not in text, text
    with SessionStore(data) as store:
        assert [s.status for s in store.sessions()] == ["running"]  # its end was not written

    filler.unlink()
    window.start_session()  # the next session finishes the cut-off one first
    qtbot.waitUntil(lambda: page.face_label.text() == "Face in view", timeout=30000)
    window.stop_session()
    qtbot.waitUntil(lambda: not window.running, timeout=60000)
    assert "An earlier session that was cut off (1) was finished and kept too." in (
        page.banner.text()
    )
    with SessionStore(data) as store:
        assert [s.status for s in store.sessions()] == ["recovered", "complete"]
