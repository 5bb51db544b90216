"""The command line on real clips and on bad input."""

from __future__ import annotations

import csv
import json
import signal
import stat
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from presence_coach.calibration.profile import default_profile
from presence_coach.session.store import SessionStore
from tests.cli_helpers import EXE, assert_one_line_error, run_cli, wait_for_stored_rows
from tests.conftest import FACE_CLIPS

CLIPS = {p.stem: p for p in FACE_CLIPS}
REQUIRED_COLUMNS = {"t", "face", "yaw", "pitch", "roll", "gaze_h", "gaze_v", "smile", "blink"}


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["session"],
        ["analyze"],
        ["models"],
        ["models", "fetch"],
        ["models", "check"],
        ["devices"],
        ["day"],
        ["feel"],
        ["supervision"],
    ],
)
def test_every_command_has_help(command: list[str]) -> None:
    proc = run_cli(*command, "--help")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("usage: presence-coach")


def test_analyze_writes_timeline_and_summary(tmp_path: Path) -> None:
    timeline, summary = tmp_path / "t.csv", tmp_path / "s.json"
    proc = run_cli("analyze", CLIPS["d18"], "--timeline", timeline, "--json", summary, "--stats")
    assert proc.returncode == 0, proc.stderr
    assert "Analysed 216 frames" in proc.stdout
    assert "inference" in proc.stdout  # --stats table

    rows = list(csv.DictReader(timeline.open()))
    assert set(rows[0]) >= REQUIRED_COLUMNS
    assert len(rows) == 216
    t = [float(r["t"]) for r in rows]
    assert t[0] == 0.0 and t == sorted(t) and t[-1] == pytest.approx(215 / 30, abs=1e-3)
    assert all(r["face"] == "1" for r in rows)
    assert all(-30 < float(r["yaw"]) < 30 for r in rows)

    data = json.loads(summary.read_text())
    assert data["run"]["frames"] == 216
    # the last frame, or the end of the clip's sound (7.198 s) a few ms later
    assert 215 / 30 <= data["session"]["duration_s"] <= 215 / 30 + 0.04
    assert data["metrics"]["face_present_fraction"]["value"] == 1.0
    assert data["run"]["interrupted"] is False
    yaw = data["pose"]["yaw_deg"]  # over the stored face rows (10 a second)
    assert yaw["count"] == 72 and yaw["p5"] <= yaw["median"] <= yaw["p95"]
    assert -30 < yaw["median"] < 30
    perf = data["performance"]
    assert perf["frames_analyzed"] == 216 and perf["frames_dropped"] == 0
    assert {"capture", "convert", "inference", "features"} <= set(perf["stages"])
    assert perf["stages"]["inference"]["median_ms"] > 0
    for path in (timeline, summary):  # user data: owner-only
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_analyze_writes_events_and_detector_state(tmp_path: Path) -> None:
    timeline, events, summary = tmp_path / "t.csv", tmp_path / "e.jsonl", tmp_path / "s.json"
    proc = run_cli(
        "analyze",
        CLIPS["d10"],
        "--timeline",
        timeline,
        "--events",
        events,
        "--json",
        summary,
        "--quiet",
    )
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(timeline.open()))
    assert {"gaze", "head"} <= set(rows[0])
    assert {r["gaze"] for r in rows} <= {"camera", "screen", "away", "unknown"}
    assert {r["head"] for r in rows} <= {"", "nod", "shake"}
    lines = [json.loads(line) for line in events.read_text().splitlines()]
    assert lines and all({"type", "start", "end"} <= set(e) for e in lines)
    assert all(e["start"] <= e["end"] for e in lines)
    # d10 is labelled: mostly looking into the lens, with glances left/right around 8-10 s
    gaze = [e for e in lines if e["type"] == "gaze"]
    assert gaze[0]["start"] == 0.0 and gaze[-1]["end"] == pytest.approx(float(rows[-1]["t"]))
    assert any(e["state"] == "away" and 7.5 <= e["start"] <= 10.5 for e in gaze)
    data = json.loads(summary.read_text())
    m = {k: v["value"] for k, v in data["metrics"].items()}
    assert data["calibration"]["calibrated"] is False
    assert m["eye_contacts"] == sum(e["type"] == "eye_contact" for e in lines) >= 1
    assert m["nods"] == sum(e["type"] == "nod" for e in lines)
    assert m["gaze_camera_fraction"] > 0.5
    assert stat.S_IMODE(events.stat().st_mode) == 0o600
    assert "Eye contact" in proc.stdout


def test_video_with_a_voice_file_gets_a_voice_track(tmp_path: Path, speech_dir: Path) -> None:
    timeline, events, summary = tmp_path / "t.csv", tmp_path / "e.jsonl", tmp_path / "s.json"
    proc = run_cli(
        "analyze",
        CLIPS["d18"],
        "--audio",
        speech_dir / "conversation_sample.wav",
        "--timeline",
        timeline,
        "--events",
        events,
        "--json",
        summary,
        "--quiet",
    )
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(timeline.open()))
    assert len(rows) == 216 and {"speaking", "rms_dbfs", "f0_hz"} <= set(rows[0])
    assert all(-120 <= float(r["rms_dbfs"]) <= 0 for r in rows)  # -120: digital silence
    # the conversation's first words start after a long silence at about 6.7 s
    speaking = {round(float(r["t"]), 1): r["speaking"] for r in rows}
    assert speaking[1.0] == speaking[5.0] == "0" and "1" in {speaking[7.0], speaking[7.1]}
    data = json.loads(summary.read_text())
    assert data["voice"]["duration_s"] == pytest.approx(30.0, abs=0.1)
    assert data["voice"]["pauses"]["long"] >= 1
    lines = [json.loads(line) for line in events.read_text().splitlines()]
    assert {"utterance", "pause", "gaze"} <= {e["type"] for e in lines}
    ends = [e["end"] for e in lines]
    assert ends == sorted(ends)  # face and voice events interleaved in time order
    m = data["metrics"]
    nods = m["listening_nods"]["value"]
    assert nods is not None and 0 <= nods <= m["nods"]["value"]


def test_audio_file_alone(tmp_path: Path, speech_dir: Path) -> None:
    timeline, events, summary = tmp_path / "t.csv", tmp_path / "e.jsonl", tmp_path / "s.json"
    proc = run_cli(
        "analyze",
        speech_dir / "conversation_sample.wav",
        "--timeline",
        timeline,
        "--events",
        events,
        "--json",
        summary,
    )
    assert proc.returncode == 0, proc.stderr
    assert "of sound" in proc.stdout and "Pauses" in proc.stdout
    data = json.loads(summary.read_text())
    assert data["run"]["source"]["kind"] == "audio" and data["run"]["frames"] == 0
    assert data["has_video"] is False
    assert data["voice"]["duration_s"] == pytest.approx(30.0, abs=0.1)
    rows = list(csv.DictReader(timeline.open()))
    assert len(rows) == pytest.approx(300, abs=2)  # 10 voice rows a second
    assert all(r["face"] == "" for r in rows)
    lines = [json.loads(line) for line in events.read_text().splitlines()]
    assert [e["start"] for e in lines] == sorted(e["start"] for e in lines)
    assert {e["type"] for e in lines} == {"utterance", "pause"}


def test_video_without_sound_says_so(tmp_path: Path) -> None:
    summary = tmp_path / "s.json"
    proc = run_cli("analyze", CLIPS["d0"], "--json", summary, "--quiet")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(summary.read_text())
    assert data["voice"] is None and "no audio track" in data["run"]["voice_note"]
    assert "Voice not analysed: " in proc.stdout


def test_max_fps_analyses_fewer_frames(tmp_path: Path) -> None:
    summary = tmp_path / "s.json"
    proc = run_cli("analyze", CLIPS["d18"], "--max-fps", "10", "--json", summary, "--quiet")
    assert proc.returncode == 0, proc.stderr
    perf = json.loads(summary.read_text())["performance"]
    assert 70 <= perf["frames_analyzed"] <= 74  # 7.2 s at 10 fps
    assert perf["frames_analyzed"] + perf["frames_skipped"] == 216


def test_interrupted_analysis_keeps_what_was_measured(tmp_path: Path) -> None:
    timeline, summary, data = tmp_path / "t.csv", tmp_path / "s.json", tmp_path / "data"
    cmd = [
        *EXE,
        "analyze",
        str(CLIPS["d6"]),
        "--realtime",
        "--timeline",
        str(timeline),
        "--json",
        str(summary),
        "--data-dir",
        str(data),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # stop once 2 s of face rows are stored, not after a fixed sleep: on a busy machine the
    # start-up alone (imports, the voice pass) could take longer than any sleep
    wait_for_stored_rows(proc, data, 20)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    data = json.loads(summary.read_text())
    assert data["run"]["interrupted"] is True
    assert 20 <= data["run"]["frames"] < 1008  # d6 has 1008 frames; we stopped early
    rows = list(csv.DictReader(timeline.open()))
    assert len(rows) == data["run"]["frames"]
    assert "stopped early" in out


def test_analyze_json_is_the_report_json(tmp_path: Path) -> None:
    """One summary, computed from the store: what ``analyze`` writes is what ``report``
    writes for the same session, number for number; ``--no-store`` gives the same numbers
    from a temporary store that does not outlive the run."""
    data, analysed, reported = tmp_path / "data", tmp_path / "a.json", tmp_path / "r.json"
    proc = run_cli("analyze", CLIPS["d14"], "--json", analysed, "--data-dir", data, "--quiet")
    assert proc.returncode == 0, proc.stderr
    report = run_cli("report", "--data-dir", data, "--no-open", "--json", reported)
    assert report.returncode == 0, report.stderr
    a = json.loads(analysed.read_text())
    assert a == json.loads(reported.read_text())
    assert a["schema_version"] == 1 and a["has_video"] and a["has_voice"]  # d14 has sound
    m = {k: v["value"] for k, v in a["metrics"].items()}
    assert a["run"]["frames"] == m["frames_analyzed"] == 536
    assert a["pose"]["yaw_deg"]["count"] == pytest.approx(10 * a["session"]["duration_s"], abs=2)
    assert f"Analysed 536 frames over {a['session']['duration_s']} s" in proc.stdout
    with SessionStore(data) as store:  # the same default profile as an uncalibrated session
        (info,) = store.sessions()
    assert info.calibration == default_profile().to_dict()
    assert a["calibration"]["calibrated"] is False

    tmp = tmp_path / "tmp"
    tmp.mkdir()
    again = tmp_path / "again.json"
    proc = run_cli(
        "analyze", CLIPS["d14"], "--json", again, "--no-store", "--quiet", env={"TMPDIR": str(tmp)}
    )
    assert proc.returncode == 0, proc.stderr
    b = json.loads(again.read_text())
    timings = {"ms_per_frame", "cpu_one_core_fraction"}  # measured, so never twice the same
    assert {k: v for k, v in m.items() if k not in timings} == {
        k: v["value"] for k, v in b["metrics"].items() if k not in timings
    }
    assert b["pose"] == a["pose"] and b["voice"] == a["voice"] and b["timeline"] == a["timeline"]
    assert list(tmp.iterdir()) == []  # the temporary store is gone
    assert "Analysis (not kept)" in proc.stdout and "presence-coach note" not in proc.stdout


def test_devices_lists_both_kinds() -> None:
    proc = run_cli("devices")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "Cameras:" and "Microphones:" in lines
    assert len(lines) >= 4  # each heading has an entry or "none found"


def test_models_check_finds_the_shared_model() -> None:
    proc = run_cli("models", "check")
    assert proc.returncode == 0, proc.stderr
    assert "SHA-256 verified" in proc.stdout


def test_models_fetch_is_a_no_op_when_present() -> None:
    proc = run_cli("models", "fetch")
    assert proc.returncode == 0, proc.stderr
    assert "already present and verified" in proc.stdout


# ---- bad input: one line, non-zero, never a traceback --------------------------------


def test_missing_video() -> None:
    assert_one_line_error(run_cli("analyze", "no-such-clip.mp4"), "not found", "no-such-clip.mp4")


def test_directory_as_video(tmp_path: Path) -> None:
    assert_one_line_error(run_cli("analyze", tmp_path), "is a directory")


def test_not_a_video(tmp_path: Path) -> None:
    fake = tmp_path / "session.mp4"
    fake.write_bytes(b"\x00\x01garbage" * 500)
    assert_one_line_error(run_cli("analyze", fake), "corrupt or not a recording")


def test_unreadable_stream() -> None:
    assert_one_line_error(run_cli("analyze", "http://127.0.0.1:9/live"), "cannot open video stream")


def test_no_camera() -> None:
    proc = run_cli("session", "--camera", "7", "--duration", "2")
    assert_one_line_error(proc, "no camera found at index 7")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["analyze", "x.mp4", "--frobnicate"], "unrecognized arguments: --frobnicate"),
        (["analyze"], "required: VIDEO"),
        (["analyze", "x.mp4", "--max-fps", "0"], "must be greater than 0"),
        (["analyze", "x.mp4", "--max-fps", "fast"], "is not a number"),
        (["session", "--duration", "-3"], "must be greater than 0"),
        (["models"], "choose an action"),
        (["dance"], "invalid choice: 'dance'"),
    ],
)
def test_bad_flags(args: list[str], fragment: str) -> None:
    proc = run_cli(*args)
    assert_one_line_error(proc, fragment)
    assert proc.returncode == 2


def test_missing_audio_file() -> None:
    proc = run_cli("analyze", CLIPS["d18"], "--audio", "no-such-voice.wav")
    assert_one_line_error(proc, "not found", "no-such-voice.wav")


def test_corrupt_audio_file(tmp_path: Path) -> None:
    bad = tmp_path / "voice.wav"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk" * 10)
    assert_one_line_error(run_cli("analyze", bad), "cannot read", "as video or as audio")


def test_text_named_mp3_is_one_line(tmp_path: Path) -> None:
    # libsndfile's MPEG decoder printed notes of its own on stderr before the error
    bad = tmp_path / "voice.mp3"
    bad.write_text("not a recording\n")
    assert_one_line_error(run_cli("analyze", bad), "cannot read", "as video or as audio")


@pytest.mark.parametrize("beside_video", [False, True])
def test_audio_file_without_sound_is_one_line(tmp_path: Path, beside_video: bool) -> None:
    # a wav header and no samples: nothing to analyse, not a quiet session
    empty = tmp_path / "empty.wav"
    sf.write(empty, np.zeros(0, np.float32), 16_000)
    args = ["analyze", CLIPS["d18"], "--audio", empty] if beside_video else ["analyze", empty]
    proc = run_cli(*args, "--no-store")
    assert_one_line_error(proc, f"{empty} holds no sound (0 s of audio)")


def test_output_into_missing_folder(tmp_path: Path) -> None:
    proc = run_cli("analyze", CLIPS["d18"], "--json", tmp_path / "nope" / "s.json")
    assert_one_line_error(proc, "does not exist")


def test_corrupt_model(tmp_path: Path) -> None:
    bad = tmp_path / "face_landmarker.task"
    bad.write_bytes(b"PK\x03\x04" + b"\0" * 5000)
    proc = run_cli("analyze", CLIPS["d18"], "--models-dir", tmp_path)
    assert_one_line_error(proc, "corrupt or not the official", "models fetch")
    check = run_cli("models", "check", "--models-dir", tmp_path)
    assert check.returncode == 1 and "PROBLEM" in check.stdout


def test_missing_model(tmp_path: Path) -> None:
    env = {"PRESENCE_COACH_MODELS": str(tmp_path / "none"), "XDG_CACHE_HOME": str(tmp_path)}
    proc = run_cli("analyze", CLIPS["d18"], env=env)
    assert_one_line_error(proc, "not found", "presence-coach models fetch")
