"""The calibration wizard on real stand-ins, like the terminal routine's live test: a person
(real face frames re-rendered to look where asked, streamed as a live camera; a real
speaker's sentence and a room into the PulseAudio microphone) follows what the wizard shows.
The first time it is asked to look away it does not: only that step is tried again. The
profile is saved for the camera and the system's microphone, and the window then says the
set-up is calibrated."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import soundfile as sf
from PySide6.QtCore import Qt

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import calibrationgen as cg
from headmotion import STILL_BASES, HeadRenderer
from voicegen import pink_noise

from presence_coach.calibration.profile import load_profile
from presence_coach.calibration.steps import STEP_PROMPTS, STEPS
from tests.app.conftest import play_loop, stop_process_group
from tests.conftest import SHARED_MODELS, SPEECH
from tests.e2e.conftest import SINK
from tests.e2e.test_live_calibration import _Person
from tests.e2e.test_live_stream import _free_udp_port

MODEL = SHARED_MODELS / "face_landmarker.task"


def test_the_wizard_calibrates_a_person_who_follows_it_retrying_only_the_failed_step(
    qtbot, make_window, pulse: dict, tmp_path: Path, shared_dir: Path, app_env: dict, screenshot
) -> None:
    faces, setup = shared_dir / "media" / "faces", cg.SETUPS["laptop"]
    speech, sr = sf.read(SPEECH / "conversation_sample.wav", dtype="float32")
    a, b = (round(x * sr) for x in cg.READ_SPEECH)
    sentence, room = tmp_path / "sentence.wav", tmp_path / "room.wav"
    sf.write(sentence, speech[a:b], sr)
    noise = pink_noise(10 * sr, np.random.default_rng(3)) * 10 ** (cg.ROOM_NOISE_DBFS / 20)
    sf.write(room, noise.astype(np.float32), sr)
    url = f"udp://127.0.0.1:{_free_udp_port()}"
    person = _Person(HeadRenderer(faces, STILL_BASES["d6"], MODEL), setup, url, sentence)
    player = play_loop(room, pulse, SINK)
    shown: list[str] = []

    def follow(step: str) -> None:
        shown.append(step)
        if step == "away" and shown.count("away") == 1:
            step = "camera"  # the first time, the person keeps looking at the lens
        person.follow(STEP_PROMPTS[step], pulse)

    try:
        window = make_window(camera_url=url)
        assert window.session_page.calibration.text().startswith("Not calibrated")
        window.open_wizard()
        wizard = window.wizard
        wizard.step_shown.connect(follow)
        qtbot.waitUntil(wizard.intro.begin.isEnabled, timeout=60000)
        assert wizard.isFullScreen() or wizard.geometry() == wizard.screen().geometry()
        screenshot(wizard, "wizard-0-welcome")
        qtbot.mouseClick(wizard.intro.begin, Qt.MouseButton.LeftButton)
        framing = wizard.setup.row_labels["Framing"]
        qtbot.waitUntil(lambda: "✓" in framing.text(), timeout=30000)
        assert "well placed" in framing.text()
        screenshot(wizard, "wizard-1-setup")
        qtbot.mouseClick(wizard.setup.go_on, Qt.MouseButton.LeftButton)
        for step in STEPS:
            qtbot.waitUntil(lambda s=step: shown[-1:] == [s], timeout=60000)
            qtbot.waitUntil(lambda: wizard.step_view.countdown == "Now", timeout=10000)
            qtbot.wait(1500)
            screenshot(wizard, f"wizard-step-{STEPS.index(step) + 1}-{step}")
            if step == "away" and shown.count("away") == 1:
                qtbot.waitUntil(lambda: wizard.pages.currentWidget() is wizard.message,
                                timeout=30000)  # fmt: skip
                text = wizard.message.text.text()
                assert text.startswith("Your gaze moved only"), text
                assert "look clearly away" in text
                screenshot(wizard, "wizard-retry")
                qtbot.mouseClick(wizard.message.retry, Qt.MouseButton.LeftButton)
                qtbot.waitUntil(lambda: shown[-1:] == ["away"] and len(shown) == 4)
        qtbot.waitUntil(lambda: wizard.pages.currentWidget() is wizard.done_page, timeout=120000)
        screenshot(wizard, "wizard-done")
        # only the failed step was repeated
        assert shown == ["camera", "screen", "away", "away", "silence", "read", "nod"]
        assert wizard.chimes.problem is None
        assert wizard.chimes.played.count("go") == wizard.chimes.played.count("done") == 7
        with qtbot.waitSignal(wizard.ended, timeout=30000) as ended:
            qtbot.mouseClick(wizard.done_page.finish, Qt.MouseButton.LeftButton)
        assert ended.args == [True]
    finally:
        person.close()
        stop_process_group(player)
    profile = load_profile(url, "default")  # the camera and the system's microphone
    assert profile is not None and profile.is_calibrated
    gaze = profile.gaze_calibration()
    assert abs((gaze.screen_v_deg - gaze.camera_v_deg) - setup.screen_pitch_deg) < 8, gaze
    voice = profile.voice
    assert abs(voice.noise_floor_dbfs - cg.ROOM_NOISE_DBFS) < 6, voice
    assert voice.speech_level_dbfs - voice.noise_floor_dbfs > 15, voice
    assert profile.nod_amplitude_deg is not None and 3 < profile.nod_amplitude_deg < 15
    assert window.session_page.calibration.text().startswith(
        "Calibrated for this camera and microphone on "
    )
    assert not window.wizard.worker._thread.is_alive()  # the devices were closed
