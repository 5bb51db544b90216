"""The day view and the supervision page, made by the CLI from two really analysed sessions
(face clip + real speech each, the real model) and opened in headless Chromium.

Both pages must fetch nothing, fit a 390 px wide phone screen without sideways scrolling (the
page in a 390 px iframe reports its own scroll width: Chromium's headless window is at least
500 px wide), and the supervision page must print (Chromium --print-to-pdf, A4) on at most two
pages with 2 sessions and 4 moments, and carry no label, note or time of day. Screenshots at
desktop and phone width go to $PRESENCE_COACH_SCREENSHOTS (``make screenshots``: docs/).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import unicodedata
from html import escape
from pathlib import Path

import cv2
import numpy as np
import pypdf
import pytest

from presence_coach.cli_day import FEEL_HELP
from presence_coach.session.store import SessionStore
from presence_coach.summary.glance import cards
from presence_coach.summary.page_shell import GLANCE_KEYS
from presence_coach.summary.session import summary_from_store
from presence_coach.voice.rate import SYLLABLES_PER_WORD
from tests.cli_helpers import assert_one_line_error, run_cli
from tests.conftest import SHARED, SPEECH
from tests.integration.test_report_browser import (
    CHROMIUM_SERVICE_HOSTS,
    PROBE,
    _analyse_into_store,
    _chromium,
)

DAY = dt.date(2026, 11, 2)
LABEL = "Ottoline-Brackenbury"  # a pseudonym: on the day view, never on the supervision page
NOTE = "Mrs Quennell cried when we spoke of her sister"
SHOTS_ENV = "PRESENCE_COACH_SCREENSHOTS"
PHONE_W = 390
# the page tells its parent how wide it is, and how wide its window (the 390 px iframe)
WIDTH_PROBE = (
    "<script>setTimeout(function () { parent.postMessage(document.documentElement.scrollWidth "
    '+ "/" + window.innerWidth, "*"); }, 300);</script>'
)
PHONE_FRAME = (
    '<!DOCTYPE html><html><body style="margin:0"><iframe src="{src}" style="width:390px;'
    'height:{h}px;border:0"></iframe><script>window.addEventListener("message", function (e) '
    '{{ document.body.setAttribute("data-width", e.data); }});</script></body></html>'
)


def _local_iso(hour: int, minute: int) -> str:
    """DAY at hour:minute on this computer's clock, stored as the store does (UTC)."""
    t = dt.datetime(DAY.year, DAY.month, DAY.day, hour, minute).astimezone()
    return t.astimezone(dt.UTC).isoformat(timespec="seconds")


@pytest.fixture(scope="module")
def day(tmp_path_factory) -> dict:
    work = tmp_path_factory.mktemp("day")
    data = work / "data"
    with SessionStore(data) as store:
        a = _analyse_into_store(
            store, SHARED / "media/faces/d14.mp4", SPEECH / "north_wind_title.wav", work
        )
        b = _analyse_into_store(
            store, SHARED / "media/faces/d6.mp4", SPEECH / "conversation_sample.wav", work
        )
        store.set_label(a, LABEL)
        store.add_note(a, NOTE)
        with store.db:  # the two sessions happened at 09:00 and 09:55 on DAY
            for sid, (h, m) in ((a, (9, 0)), (b, (9, 55))):
                store.db.execute(
                    "UPDATE sessions SET started_at = ? WHERE id = ?", (_local_iso(h, m), sid)
                )
        summaries = {sid: summary_from_store(store, sid) for sid in (a, b)}
    return {"work": work, "data": data, "a": a, "b": b, "summaries": summaries}


def _cli_ok(*args: str | Path) -> str:
    proc = run_cli(*args)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return proc.stdout


@pytest.fixture(scope="module")
def day_page(day) -> Path:
    a, b, data = str(day["a"]), str(day["b"]), day["data"]
    _cli_ok("feel", a, "--before", "tired", "--after", "4", "--data-dir", data)
    _cli_ok("feel", b, "--after", "drained", "--data-dir", data)
    out = _cli_ok("day", DAY.isoformat(), "--no-open", "--data-dir", data)
    page = data / "reports" / f"day-{DAY.isoformat()}.html"
    assert str(page) in out and "2 sessions" in out
    return page


def _supervision(day, *extra: str) -> Path:
    a, b = str(day["a"]), str(day["b"])
    _cli_ok(
        "supervision", a, b, "--no-open", "--data-dir", day["data"],
        "--line", a, "I kept explaining instead of asking.",
        "--line", b, "A calmer session; I want to understand why.",
        "--moment", f"{a}:0:03", "Here I filled the silence at once.",
        "--moment", f"{a}:0:15", "I noticed my voice rising.",
        "--moment", f"{b}:0:05", "She looked away and I kept talking.",
        "--moment", f"{b}:0:25", "The nod here felt automatic.",
        *extra,
    )  # fmt: skip
    return day["data"] / "reports" / "supervision.html"


@pytest.fixture(scope="module")
def supervision_page(day) -> Path:
    return _supervision(day)


def test_day_view_shows_each_session_in_plain_words(day, day_page) -> None:
    html = day_page.read_text()
    a, b = day["summaries"][day["a"]], day["summaries"][day["b"]]
    assert html.count('class="card"') == 2
    assert "09:00-09:00" in html and "09:55-09:55" in html  # two half-minute sessions
    gap_min = (55 * 60 - a["session"]["duration_s"]) / 60
    assert f"{gap_min:.0f} min after the session before" in html  # 54 min
    assert LABEL in html  # the user's own page shows the label
    for s in (a, b):
        rate = s["metrics"]["articulation_rate_syl_per_s"]["value"]
        assert f"About {60 * rate / SYLLABLES_PER_WORD:.0f} words a minute" in html
        share = s["metrics"]["speaking_fraction"]["value"]
        assert f"You spoke for about {share:.0%} of the session" in html
        semitones = s["metrics"]["f0_range_st"]["value"]
        assert f"Your pitch moved over about {semitones:.0f} semitones" in html
        for card in cards(s, None):  # the report's own words for the same numbers
            if card["key"] in GLANCE_KEYS:
                assert escape(card["text"]) in html
    assert html.count("<dt>Listening nods") == 2  # both sessions had the camera
    # session a: speech for over 90 % of it (the doubt the report names), marked here too
    assert a["metrics"]["speaking_fraction"]["value"] > 0.9
    assert html.count('class="notice doubt"') >= 1 and '<sup class="mark"' in html
    assert "you felt <strong>tired</strong>" in html and "you felt <strong>good</strong>" in html
    assert "you felt <strong>drained</strong>" in html and "not noted" in html
    assert "tired, then good, then drained" in html
    assert "1 drained, 2 tired, 3 steady, 4 good, 5 energised." in html  # the scale, in words
    assert FEEL_HELP.startswith("1 drained, 2 tired, 3 steady, 4 good, 5 energised ")
    assert not re.search(r"score|rank|best|worst|\bgrade", html.split("</header>")[1], re.I)
    other = _cli_ok("day", "2026-11-03", "--no-open", "--data-dir", day["data"])
    assert "0 sessions" in other
    assert "No sessions on this day" in (day["data"] / "reports/day-2026-11-03.html").read_text()


def _shots_folder(day) -> Path:
    folder = Path(os.environ.get(SHOTS_ENV) or day["work"] / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _phone_width(page: Path, work: Path) -> tuple[int, int]:
    """(scroll width, window width) of ``page`` shown in a 390 px wide frame."""
    probed = work / f"{page.stem}-width.html"
    probed.write_text(page.read_text().replace("</body>", WIDTH_PROBE + "</body>"))
    frame = work / f"{page.stem}-phone.html"
    frame.write_text(PHONE_FRAME.format(src=probed.name, h=1600))
    dom, hosts = _chromium(["--virtual-time-budget=4000", "--dump-dom", frame.as_uri()], work)
    assert set(hosts) <= CHROMIUM_SERVICE_HOSTS
    m = re.search(r'data-width="(\d+)/(\d+)"', dom)
    assert m, "the page did not report its width"
    return int(m[1]), int(m[2])


def _screenshots(page: Path, name: str, day) -> None:
    folder, work = _shots_folder(day), day["work"]
    desk = folder / f"{name}.png"
    _chromium([f"--screenshot={desk}", "--window-size=1280,1400", page.as_uri()], work)
    frame = work / f"{page.stem}-phone-shot.html"
    frame.write_text(PHONE_FRAME.format(src=page.as_uri(), h=3200))
    phone = folder / f"{name}-phone.png"
    _chromium([f"--screenshot={phone}", "--window-size=500,3200", frame.as_uri()], work)
    img = cv2.imread(str(phone))
    assert img is not None
    img = img[:, :PHONE_W]  # the 390 px frame, without the window's rest
    rows = np.flatnonzero(np.abs(img.astype(int) - img[-1, 0].astype(int)).max(axis=(1, 2)) > 8)
    cv2.imwrite(str(phone), img[: rows[-1] + 24] if rows.size else img)  # no blank tail
    for shot in (desk, phone):
        img = cv2.imread(str(shot))
        assert img is not None and float(img.std()) > 10  # not blank


@pytest.mark.parametrize("which", ["day", "supervision"])
def test_pages_fit_a_phone_and_fetch_nothing(which, day, day_page, supervision_page) -> None:
    page = day_page if which == "day" else supervision_page
    html, work = page.read_text(), day["work"]
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:|//)""", html, re.I)
    assert not re.search(r"url\(|@import|https?://", html, re.I)
    assert "<img" not in html and "<link" not in html
    probed = work / f"{page.stem}-probed.html"
    probed.write_text(html.replace("</body>", PROBE + "</body>"))
    dom, hosts = _chromium(["--virtual-time-budget=5000", "--dump-dom", probed.as_uri()], work)
    assert 'data-resources="0"' in dom  # the page loaded no resource at all
    assert set(hosts) <= CHROMIUM_SERVICE_HOSTS  # only Chromium's own calls
    scroll_w, window_w = _phone_width(page, work)
    assert window_w == PHONE_W and scroll_w <= window_w  # no sideways scrolling
    _screenshots(page, f"{which}-view" if which == "day" else "supervision", day)


def test_supervision_page_prints_on_two_pages_without_identifiers(day, supervision_page) -> None:
    html = supervision_page.read_text()
    assert html.count('class="moment"') == 4 and html.count('class="session"') == 3
    assert "I kept explaining instead of asking." in html
    assert "cannot show" in html and DAY.strftime("%B") in html
    for secret in (LABEL, NOTE, "09:00", "09:55", "d14.mp4", "d6.mp4", "north_wind"):
        assert secret not in html, secret
    # a chosen moment at a suggested one (summary/moments.py) shows its title: b's 4 s silence
    moments_b = day["summaries"][day["b"]]["moments"]
    (title,) = [m["title"] for m in moments_b if m["start_s"] - 1 <= 5 <= m["end_s"] + 1]
    assert f"{title}. <span" in html
    pdf = day["work"] / "supervision.pdf"
    _chromium(
        [f"--print-to-pdf={pdf}", "--no-pdf-header-footer", supervision_page.as_uri()],
        day["work"],
    )
    reader = pypdf.PdfReader(pdf)
    assert 1 <= len(reader.pages) <= 2, len(reader.pages)
    text = " ".join(p.extract_text() for p in reader.pages)
    text = " ".join(unicodedata.normalize("NFKC", text).split())  # no "fi" ligatures
    assert "Here I filled the silence at once." in text and "cannot show" in text
    assert LABEL not in text and NOTE not in text
    with_notes = _supervision(day, "--with-notes").read_text()
    assert NOTE in with_notes and LABEL not in with_notes  # notes only when chosen


def test_suggest_lists_moments_to_copy(day) -> None:
    a = str(day["a"])
    out = _cli_ok("supervision", a, "--suggest", "--data-dir", day["data"])
    assert out.startswith(f"Session {a}: ")
    for m in day["summaries"][day["a"]]["moments"]:
        assert m["title"] in out and f"--moment {a}:" in out
    assert not (day["data"] / "reports" / "supervision-suggest.html").exists()


def test_bad_input_is_one_line(day) -> None:
    data, a, b = day["data"], str(day["a"]), str(day["b"])
    assert_one_line_error(run_cli("day", "2026-13-40", "--data-dir", data), "YYYY-MM-DD")
    assert_one_line_error(run_cli("day", "yesterday", "--data-dir", data), "YYYY-MM-DD")
    assert_one_line_error(run_cli("supervision", "99", "--data-dir", data), "no session 99")
    assert_one_line_error(
        run_cli("feel", "99", "--before", "3", "--data-dir", data), "no session 99"
    )
    bad = [
        (["--moment", f"{a}:0:7x", "x"], "SESSION:MM:SS"),
        (["--moment", f"{a}:0:75", "x"], "SESSION:MM:SS"),
        (["--moment", f"{a}:59:00", "x"], "after the end of session"),
        (["--moment", "7:0:05", "x"], "not one of the chosen sessions"),
        (["--line", "7", "x"], "give one of the chosen sessions"),
    ]
    for extra, fragment in bad:
        proc = run_cli("supervision", a, b, "--no-open", "--data-dir", data, *extra)
        assert_one_line_error(proc, fragment)
    for extra in (["--before", "9"], ["--after", "calm"], []):
        assert_one_line_error(run_cli("feel", a, *extra, "--data-dir", data))


def test_feel_without_a_session_is_the_newest(day, day_page) -> None:
    data, b = day["data"], day["b"]
    out = _cli_ok("feel", "--before", "energised", "--data-dir", data)
    assert out.startswith(f"Session {b}, how you felt: before: energised; after: drained")
    with SessionStore(data) as store:
        assert store.feelings()[b] == (5, 1)
    _cli_ok("feel", str(b), "--clear", "--data-dir", data)
    with SessionStore(data) as store:
        assert b not in store.feelings()
    empty = day["work"] / "empty"
    assert_one_line_error(run_cli("feel", "--after", "3", "--data-dir", empty), "no sessions yet")
