"""The report page at phone width and in print, opened in headless Chromium (issue 14).

A real analysis (d6.mp4 with the real conversation_sample speech, 33.6 s) is stored, then a
six-minute session is made from its stored rows repeated eleven times with their times
shifted (a real SQLite store of real analysed rows; analysing six minutes of video would
cost minutes of CPU). Its page must not scroll sideways at 390 px (folds open or closed),
print on at most three pages without buttons or the note box, keep statistics words inside
the "How this is measured" folds, and fetch nothing.

With ``PRESENCE_COACH_SCREENSHOTS`` set (``make screenshots``), the desktop and phone
screenshots are kept there (docs/screenshots).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import cv2
import pytest
from pypdf import PdfReader

from presence_coach.session.store import FACE_COLUMNS, VOICE_COLUMNS, SessionStore
from presence_coach.summary.history import history
from presence_coach.summary.report import render_report
from presence_coach.summary.session import summary_from_store
from tests.conftest import SHARED, SPEECH
from tests.integration.test_report_browser import (
    CHROMIUM_SERVICE_HOSTS,
    _analyse_into_store,
    _chromium,
)

REPEATS = 11  # 11 x 33.6 s: a six-minute session
JARGON = ("percentile", "dbfs", "semitone", "iqr", "f0", "standard deviation", "median")
# after the page has laid out: open the folds if asked, then tell the frame around it how far
# it overflows (headless Chromium's window is at least 500 px wide, so the page is shown in a
# 390 px frame; the report's CSP lets inline scripts run)
OVERFLOW_PROBE = (
    "<script>setTimeout(function () {{ {open} var d = document.documentElement; "
    "parent.postMessage(String(d.scrollWidth - window.innerWidth) + ' ' + "
    "String(window.innerWidth), '*'); }}, 500);</script>"
)
OPEN_FOLDS = "document.querySelectorAll('details').forEach(function (x) { x.open = true; });"
FRAME = (
    '<!DOCTYPE html><html><body style="margin:0"><iframe src="{src}" '
    'style="width:{w}px;height:{h}px;border:0;display:block"></iframe><script>'
    "window.addEventListener('message', function (e) {{ "
    "document.body.setAttribute('data-probe', e.data); }});</script></body></html>"
)


def _framed(page: Path, work: Path, *, width: int, height: int) -> Path:
    """A page showing ``page`` in a ``width`` x ``height`` frame (a phone's viewport)."""
    frame = work / f"frame-{page.stem}-{width}.html"
    frame.write_text(FRAME.format(src=page.name, w=width, h=height))
    return frame


def _repeat_session(store: SessionStore, source: int, repeats: int) -> int:
    """A new session of ``source``'s stored rows and events repeated, times shifted."""
    info = store.session(source)
    dur = float(info.duration_s)
    face, voice = store.face_timeline(source), store.voice_timeline(source)
    events = store.events(source)
    sid = store.begin_session(kind="live", source="repeated analysis", calibration=None)
    for k in range(repeats):
        o = k * dur
        store.write_batch(
            sid,
            face=[(r["t"] + o, *(r[c] for c in FACE_COLUMNS[1:])) for r in face],
            voice=[(r["t"] + o, *(r[c] for c in VOICE_COLUMNS[1:])) for r in voice],
            events=[
                (e["type"], e["start"] + o, e["end"] + o,
                 json.dumps({a: v for a, v in e.items() if a not in ("type", "start", "end")}))
                for e in events
            ],
        )  # fmt: skip
    store.finalize(sid, summary=info.summary, status="complete", duration_s=dur * repeats)
    return sid


@pytest.fixture(scope="module")
def analysed(tmp_path_factory) -> dict:
    """One real analysis in a real store: its work folder, store folder and session id."""
    work = tmp_path_factory.mktemp("layout")
    with SessionStore(work / "data") as store:
        first = _analyse_into_store(
            store, SHARED / "media/faces/d6.mp4", SPEECH / "conversation_sample.wav", work
        )
    return {"work": work, "data": work / "data", "first": first}


def _long_page(analysed: dict, repeats: int, name: str) -> dict:
    with SessionStore(analysed["data"]) as store:
        sid = _repeat_session(store, analysed["first"], repeats)
        summary = summary_from_store(store, sid)
        h = history(store)
    page = analysed["work"] / f"{name}.html"
    page.write_text(render_report(summary, history=h), encoding="utf-8")
    return {"path": page, "summary": summary, "work": analysed["work"]}


@pytest.fixture(scope="module")
def six_minutes(analysed) -> dict:
    return _long_page(analysed, REPEATS, "six-minutes")


def test_the_six_minute_session_is_real(six_minutes) -> None:
    s = six_minutes["summary"]
    assert 360 <= s["session"]["duration_s"] <= 380
    assert s["has_video"] and s["has_voice"] and len(s["per_minute"]["start_s"]) == 7
    assert 1 <= len(s["moments"]) <= 6  # moments to revisit were found, and shown
    html = six_minutes["path"].read_text()
    assert html.count('<span class="when">') == len(s["moments"])
    assert html.count('<rect class="moment"') == len(s["moments"])  # boxed on the timeline


def _overflow(page: Path, work: Path, *, folds_open: bool) -> tuple[int, int, list[str]]:
    probed = work / f"probe-{folds_open}.html"
    probe = OVERFLOW_PROBE.format(open=OPEN_FOLDS if folds_open else "")
    probed.write_text(page.read_text().replace("</body>", probe + "</body>"))
    frame = _framed(probed, work, width=390, height=900)
    dom, hosts = _chromium(
        ["--window-size=600,900", "--virtual-time-budget=3000", "--dump-dom", frame.as_uri()],
        work,
    )
    found = re.search(r'data-probe="(-?\d+) (\d+)"', dom)
    assert found, "the probe did not run"
    return int(found.group(1)), int(found.group(2)), hosts


@pytest.mark.parametrize("folds_open", [False, True])
def test_no_sideways_scroll_at_phone_width(six_minutes, folds_open) -> None:
    overflow, width, hosts = _overflow(
        six_minutes["path"], six_minutes["work"], folds_open=folds_open
    )
    assert width == 390
    assert overflow <= 0, f"the page is {overflow} px wider than the 390 px window"
    assert set(hosts) <= CHROMIUM_SERVICE_HOSTS  # the page fetched nothing


def test_prints_on_at_most_three_pages(six_minutes) -> None:
    work = six_minutes["work"]
    pdf = work / "report.pdf"
    _, hosts = _chromium(
        [f"--print-to-pdf={pdf}", "--no-pdf-header-footer", six_minutes["path"].as_uri()], work
    )
    reader = PdfReader(pdf)
    text = "\n".join(p.extract_text() for p in reader.pages)
    print(f"six-minute session: {len(reader.pages)} printed pages")
    assert 1 <= len(reader.pages) <= 3, f"{len(reader.pages)} printed pages"
    assert "At a glance" in text and "Moments to revisit" in text  # the content is there
    assert "Copy the save command" not in text  # no buttons
    assert "A note for yourself" not in text and "No notes yet" not in text  # no note box
    assert set(hosts) <= CHROMIUM_SERVICE_HOSTS


def test_statistics_words_only_in_the_folds(six_minutes) -> None:
    html = six_minutes["path"].read_text()
    folds = re.findall(r"<details.*?</details>", html, re.S)
    assert len(folds) >= 2
    outside = re.sub(r"<details.*?</details>|<script.*?</script>|<style.*?</style>", "", html,
                     flags=re.S)  # fmt: skip
    words = re.sub(r"<[^>]+>", " ", outside).lower()
    found = [w for w in JARGON if re.search(rf"\b{w}\b", words)]
    assert not found, f"statistics words outside the folds: {found}"
    inside = " ".join(folds).lower()
    assert "percentile" in inside and "semitones" in inside  # ... and kept in the folds


def test_screenshots_at_desktop_and_phone_width(six_minutes) -> None:
    work, page = six_minutes["work"], six_minutes["path"]
    folder = Path(os.environ.get("PRESENCE_COACH_SCREENSHOTS") or work)
    folder.mkdir(parents=True, exist_ok=True)
    phone = _framed(page, work, width=390, height=2600)
    for name, url, (w, h) in (
        ("report-desktop", page.as_uri(), (1280, 2200)),
        ("report-phone", phone.as_uri(), (600, 2600)),
    ):
        shot = folder / f"{name}.png"
        _chromium([f"--screenshot={shot}", f"--window-size={w},{h}", url], work)
        img = cv2.imread(str(shot))
        assert img is not None and img.shape[1] == w
        if name == "report-phone":  # the 390 px frame, without the window's spare width
            img = img[:, :390]
            cv2.imwrite(str(shot), img)
        assert float(img.std()) > 20  # not blank


# pick the third window, then report which detail windows show and the overview's mark
ZOOM_PROBE = (
    "<script>setTimeout(function () { document.getElementById('zoom-2').checked = true; "
    "var shown = []; document.querySelectorAll('.zw').forEach(function (w, i) { "
    "if (getComputedStyle(w).display !== 'none' && w.getBoundingClientRect().height > 50) "
    "shown.push(i); }); var mark = document.querySelector('rect.win-2'); "
    "parent.postMessage(shown.join(',') + ' ' + getComputedStyle(mark).fillOpacity, '*'); "
    "}, 500);</script>"
)


def test_a_long_session_has_a_zoomable_timeline_without_scripts(analysed) -> None:
    """17 minutes (30 repeats): an overview and 5-minute detail windows, one shown at a time,
    picked without any script of the page's own (CSS :checked), the CSP unchanged."""
    long = _long_page(analysed, 30, "seventeen-minutes")
    html = long["path"].read_text()
    assert 1000 <= long["summary"]["session"]["duration_s"] <= 1020
    assert html.count('class="zw zw-') == 4  # 0:00, 5:00, 10:00, 15:00
    assert html.count("<script") == 1  # only the note's copy button
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert csp and csp.group(1) == (
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
    )
    detail = long["summary"]["timeline_detail"]
    assert detail["slot_s"] == pytest.approx(1.0, abs=0.01)  # one-second detail
    assert long["summary"]["timeline"]["slot_s"] == pytest.approx(1008 / 720, abs=0.05)
    probed = long["work"] / "zoom-probe.html"
    probed.write_text(html.replace("</body>", ZOOM_PROBE + "</body>"))
    frame = _framed(probed, long["work"], width=1000, height=1200)
    dom, hosts = _chromium(
        ["--window-size=1100,1300", "--virtual-time-budget=3000", "--dump-dom", frame.as_uri()],
        long["work"],
    )
    found = re.search(r'data-probe="([\d,]*) ([\d.]+)"', dom)
    assert found, "the probe did not run"
    assert found.group(1) == "2"  # only the picked window shows
    assert float(found.group(2)) > 0.1  # and it is outlined on the overview
    assert set(hosts) <= CHROMIUM_SERVICE_HOSTS
    overflow, width, _ = _overflow(long["path"], long["work"], folds_open=True)
    assert width == 390 and overflow <= 0  # the zoom fits a phone too
    if os.environ.get("PRESENCE_COACH_SCREENSHOTS"):  # `make screenshots`: the zoom too
        shot = Path(os.environ["PRESENCE_COACH_SCREENSHOTS"]) / "report-zoom.png"
        _chromium([f"--screenshot={shot}", "--window-size=1280,1400", long["path"].as_uri()],
                  long["work"])  # fmt: skip
        assert cv2.imread(str(shot)).shape[1] == 1280


def test_a_short_session_has_no_zoom(six_minutes) -> None:
    assert six_minutes["summary"]["timeline_detail"] is None
    assert "zoom-picker" not in six_minutes["path"].read_text().split("</style>")[-1]
