"""The report of a session filled by really analysing shared media, opened in headless Chromium.

Two sessions are analysed (face clip + real speech each) so the second report has a
comparison column. The page must render its plots, fetch nothing and reference nothing outside
itself. Fetches are watched twice: the page's own Resource Timing entries (a probe script
appended to a copy of the page) and a local socket posing as Chromium's proxy, which must see
nothing but Chromium's own service calls (time, component updates, accounts: they happen
for about:blank too, whatever the flags).
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import threading
from pathlib import Path

import cv2
import numpy as np
import pytest

from presence_coach.models import find_model
from presence_coach.session.analysis import RunOptions, VideoAnalysis
from presence_coach.session.store import SessionRecorder, SessionStore
from presence_coach.sources.video import VideoSource
from presence_coach.summary.history import history
from presence_coach.summary.report import render_report
from presence_coach.summary.session import summary_from_store
from presence_coach.summary.terminal import render_terminal
from presence_coach.voice import analyze_audio
from tests.conftest import SHARED, SPEECH

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Chromium's own background calls (seen with about:blank too); anything else is the page's
CHROMIUM_SERVICE_HOSTS = frozenset({
    "clients2.google.com", "update.googleapis.com", "accounts.google.com",
    "clientservices.googleapis.com", "redirector.gvt1.com", "safebrowsing.googleapis.com",
    "optimizationguide-pa.googleapis.com", "content-autofill.googleapis.com",
})  # fmt: skip
PROBE = (
    "<script>setTimeout(function () { document.body.setAttribute('data-resources', "
    "String(performance.getEntriesByType('resource').length)); }, 1000);</script>"
)
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars",
)  # fmt: skip


def _analyse_into_store(store: SessionStore, clip: Path, speech: Path, work: Path) -> int:
    """Real detectors on real media, recorded into the store the way a session is."""
    voice = analyze_audio(speech)
    events_path = work / f"{clip.stem}-events.jsonl"
    sid = store.begin_session(kind="recording", source=clip.name, calibration=None)
    rec = SessionRecorder(store, sid)
    analysis = VideoAnalysis(
        VideoSource(clip), find_model(), RunOptions(events_path=events_path, voice=voice)
    )

    def on_sample(frame, sample, loop) -> None:
        rec.add_face(sample, analysis.detectors.frame_state(sample))

    summary = analysis.run(on_sample=on_sample)
    rec.add_voice(voice.timeline)
    rec.add_events(json.loads(line) for line in events_path.read_text().splitlines())
    rec.flush()
    duration_s = max(summary["duration_s"], voice.duration_s)
    store.finalize(sid, summary=summary, status="complete", duration_s=duration_s)
    return sid


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> dict:
    work = tmp_path_factory.mktemp("report")
    with SessionStore(work / "data") as store:
        first = _analyse_into_store(
            store, SHARED / "media/faces/d14.mp4", SPEECH / "north_wind_title.wav", work
        )
        second = _analyse_into_store(
            store, SHARED / "media/faces/d6.mp4", SPEECH / "conversation_sample.wav", work
        )
        store.add_note(second, "Felt rushed at the start <b>not bold</b>.")
        summary = summary_from_store(store, second)
        h = history(store)
    page = work / "report.html"
    page.write_text(render_report(summary, history=h), encoding="utf-8")
    return {"path": page, "summary": summary, "history": h, "first": first, "work": work}


def _host(request: bytes) -> str:
    """Host of a proxy request line (``CONNECT host:443`` or ``GET http://host/...``)."""
    line = request.split(b"\r\n", 1)[0].decode("latin-1")
    m = re.match(r"[A-Z]+ (?:https?://)?([^/:\s]+)", line)
    return m.group(1) if m else line


def _chromium(args: list[str], work: Path, timeout_s: float = 120) -> tuple[str, list[str]]:
    """Run headless Chromium with a local socket as its proxy; returns (stdout, hosts of the
    requests that reached the proxy)."""
    assert CHROMIUM, "chromium is not installed (apt-get install -y chromium)"
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    hits: list[bytes] = []
    done = threading.Event()

    def accept() -> None:
        while not done.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(1.0)
                try:
                    hits.append(conn.recv(200))
                except OSError:
                    hits.append(b"")

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    profile = work / f"profile-{len(list(work.glob('profile-*')))}"
    profile.mkdir()
    try:
        out = subprocess.run(
            [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
             f"--proxy-server=127.0.0.1:{port}", "--proxy-bypass-list=<-loopback>", *args],
            capture_output=True, text=True, timeout=timeout_s, check=True,
        )  # fmt: skip
    finally:
        done.set()
        thread.join(2)
        listener.close()
    return out.stdout, [_host(h) for h in hits]


def test_summary_of_real_analysis(report) -> None:
    s = report["summary"]
    m = {k: v["value"] for k, v in s["metrics"].items()}
    assert s["has_video"] and s["has_voice"]
    assert m["duration_s"] == pytest.approx(33.6, abs=0.5)  # the longer of clip and speech
    assert m["face_present_fraction"] > 0.95
    assert 0.2 < m["speaking_fraction"] < 1.0  # a real conversation track
    assert 2.0 < m["articulation_rate_syl_per_s"] < 8.0
    assert m["utterances"] >= 3 and m["f0_median_hz"] > 60
    assert m["frames_analyzed"] == s["performance"]["frames_analyzed"] > 900
    shares = [m[f"gaze_{g}_fraction"] for g in ("camera", "screen", "away")]
    assert all(x is not None for x in shares) and sum(shares) <= 1.0 + 1e-6
    assert [r["id"] for r in report["history"]["sessions"]] == [report["first"], s["session"]["id"]]
    text = render_terminal(s, history=report["history"])
    assert "You spoke" in text and "observations" in text


def test_page_is_self_contained(report) -> None:
    html = report["path"].read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:|//)""", html, re.I)
    assert not re.search(r"url\(|@import|https?://", html, re.I)
    assert "<img" not in html and "<link" not in html
    assert "&lt;b&gt;not bold&lt;/b&gt;" in html  # notes are shown as text, never as markup


def test_page_renders_in_chromium_without_network(report) -> None:
    work, page = report["work"], report["path"]
    probed = work / "probed.html"
    probed.write_text(page.read_text().replace("</body>", PROBE + "</body>"))
    dom, hosts_dom = _chromium(["--virtual-time-budget=5000", "--dump-dom", probed.as_uri()], work)
    shot = work / "report.png"
    _, hosts_shot = _chromium(
        [f"--screenshot={shot}", "--window-size=1280,2400", page.as_uri()], work
    )
    assert 'data-resources="0"' in dom  # the page loaded no resource at all
    assert set(hosts_dom + hosts_shot) <= CHROMIUM_SERVICE_HOSTS  # only Chromium's own
    # the plots are in the rendered document: a timeline and per-minute bars
    html = page.read_text()
    assert dom.count("<svg") == html.count("<svg") >= 5  # timeline + per-minute bars
    assert dom.count("<rect") == html.count("<rect") >= 20 and dom.count("<path") >= 1
    assert "A few observations" in dom and 'id="copy"' in dom
    # the screenshot is not blank: plot colours are there
    img = cv2.imread(str(shot))
    assert img is not None and img.shape[1] == 1280
    assert float(img.std()) > 20
    speaking_green = np.all(np.abs(img.astype(int) - (0x73, 0x9E, 0x00)) < 12, axis=2)
    camera_blue = np.all(np.abs(img.astype(int) - (0xB2, 0x72, 0x00)) < 12, axis=2)
    assert speaking_green.sum() > 500 and camera_blue.sum() > 500
