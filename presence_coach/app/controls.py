"""What the window decides, without widgets: the session request from the choices, the
calibration line, device lists, the data folder check, and the words after a session."""

from __future__ import annotations

from pathlib import Path

from presence_coach.app.devices import CameraChoice, camera_choices, mic_key, pick_camera
from presence_coach.app.runner import Recorded, SessionRequest
from presence_coach.app.settings import AppSettings
from presence_coach.errors import PresenceCoachError

# the library's one-line errors name CLI flags; in the app the same fix is elsewhere
APP_WORDING = (
    ("choose another folder with --data-dir", "choose another folder in Settings"),
    ("or pass --audio FILE", "or choose “No microphone”"),
    ("run without --preview", "close other camera windows"),
    ("connect one or analyze a file instead", "connect one, or choose “No microphone”"),
    ("then `presence-coach recover` finishes the session", "then the next start finishes it"),
    (
        "create it with `presence-coach camera-share --setup` (v4l2loopback)",
        "Settings shows how to set it up (v4l2loopback), or choose “Off” there",
    ),
    (
        "`presence-coach camera-share` names the shared camera's device",
        "choose the shared camera (or “Off”) in Settings",
    ),
)


def for_the_app(message: str) -> str:
    """A library message with the CLI's way out replaced by the app's; ends with a stop."""
    for cli, app in APP_WORDING:
        message = message.replace(cli, app)
    message = message[:1].upper() + message[1:]
    return message if message.endswith((".", "?", "!")) else message + "."


def data_folder(settings: AppSettings) -> Path:
    from presence_coach.session.datadir import data_dir_path

    return data_dir_path(settings.data_dir or None)


def data_dir_problem(folder: Path) -> str | None:
    """Why sessions cannot be kept in ``folder`` (one sentence), None when they can."""
    from presence_coach.session.store import SessionStore

    try:
        with SessionStore(folder):
            pass
    except PresenceCoachError as exc:
        return for_the_app(str(exc))
    return None


def list_devices(settings: AppSettings) -> tuple[list[CameraChoice], list[str], str | None]:
    """Cameras (with a remembered stream URL), microphone names, and a sentence if the
    audio system cannot be asked."""
    from presence_coach.sources.devices import list_cameras, list_input_devices

    cameras = camera_choices(list_cameras(), settings.camera)
    try:
        mics = [d.name for d in list_input_devices()]
        problem = None
    except PresenceCoachError as exc:
        mics, problem = [], for_the_app(str(exc))
    return cameras, mics, problem


def call_audio_sources() -> list[str]:
    """The names of the places the call's sound can be recorded from (empty without an
    audio server), as ``presence-coach devices`` lists them."""
    from presence_coach.sources.call_audio import list_call_audio_sources

    return [d.name for d in list_call_audio_sources()]


def sharing(remembered: str) -> tuple[list[tuple[str, str]], str, str, str]:
    """Camera sharing for the Settings page: the choices (``(label, target)``), the
    remembered target, what to say about sharing on this computer, and the steps to set it
    up ("" when there is nothing to set up)."""
    import sys

    from presence_coach.app.sharing import share_choices, share_steps, share_words
    from presence_coach.sources.share_setup import loopback_state

    state = loopback_state()
    words, steps = share_words(state, sys.platform), share_steps(state, sys.platform)
    return share_choices(state, remembered), remembered, words, steps


def remembered_camera(cameras: list[CameraChoice], settings: AppSettings) -> int | None:
    return pick_camera(cameras, settings.camera, settings.camera_id)


def calibration_words(camera: CameraChoice | None, mic: str | None) -> str:
    """Whether this camera and microphone are calibrated, in one line."""
    from presence_coach.calibration.profile import load_profile

    if camera is None:
        return "Choose a camera first."
    profile = load_profile(camera.key, mic_key(mic or ""), warn=None)
    if profile is None:
        return (
            "Not calibrated for this camera and microphone yet: a standard laptop set-up "
            "is assumed. A one-minute calibration fits it to you."
        )
    return f"Calibrated for this camera and microphone on {profile.date}."


def session_request(
    camera: CameraChoice | None,
    mic: str | None,
    *,
    eco: bool,
    data_dir: Path | None,
    call_audio: str = "off",
    share_camera: str = "",
) -> tuple[SessionRequest | None, str | None]:
    """The request for the chosen devices (``call_audio``: "auto", "off" or a source's name;
    ``share_camera``: where to republish the camera, "" for nowhere), or a sentence saying
    what to choose first."""
    from presence_coach.session.live import ECO_MAX_FPS, LiveOptions

    if camera is None:
        return None, (
            "No camera was found. Connect one (or close the program using it), then choose "
            "it in the list."
        )
    if mic is None:
        call_audio = "off"  # the call's sound is told apart from the microphone's
    if call_audio not in ("auto", "off") and call_audio not in call_audio_sources():
        return None, (
            f"The call audio “{call_audio}” is not there now. Choose “Automatic” or another "
            "one in the Call audio list."
        )
    options = LiveOptions(
        camera=camera.target,
        mic=mic or None,
        use_mic=mic is not None,
        max_fps=ECO_MAX_FPS if eco else None,
        share_camera=share_camera or None,
        call_audio=call_audio,
    )
    return SessionRequest(options, data_dir, camera.key, mic_key(mic or "")), None


def finished_words(recorded: Recorded) -> str:
    """What the window says when a session has ended."""
    s = recorded.summary  # the one session summary (summary_from_store)
    minutes = round(float(s["session"]["duration_s"] or 0.0) / 60)
    length = "under a minute" if minutes < 1 else f"{minutes} minute{'s' if minutes > 1 else ''}"
    parts = [f"Session kept ({length}), privately on this computer."]
    if recorded.saving_failed:  # not all of it: say what was kept, and what to do
        parts = [f"Session kept in part ({length}). {for_the_app(recorded.saving_failed)}"]
    notes = [for_the_app(n).rstrip(".") for n in s.get("device_notes") or []]
    if notes:
        parts.append("Note: " + "; ".join(notes) + ".")
    if recorded.page_problem:
        parts.append(recorded.page_problem)
    elif recorded.page is not None:
        parts.append("Its report is ready.")
    if recorded.recovered:
        ids = ", ".join(map(str, recorded.recovered))
        parts.append(f"An earlier session that was cut off ({ids}) was finished and kept too.")
    return " ".join(parts)


def wizard_devices(
    camera: CameraChoice | None, mic: str | None
) -> tuple[object | None, Path | None, str | None]:
    """What the calibration wizard opens, the face model, or a sentence saying what is
    missing. Calibrating needs a microphone: with "No microphone" chosen, the system's is
    used (its profile is the one video-only sessions use too)."""
    from presence_coach import models
    from presence_coach.app.wizard_worker import WizardDevices

    if camera is None:
        return None, None, "Connect a camera and choose it in the list, then calibrate."
    try:
        model_path = models.find_model(models.FACE_LANDMARKER)
    except PresenceCoachError as exc:
        return None, None, for_the_app(str(exc))
    devices = WizardDevices(
        camera=camera.target,
        mic=mic or None,
        camera_key=camera.key,
        mic_key=mic_key(mic or ""),
        camera_name=camera.name,
        mic_name=mic or "the system's microphone",
    )
    return devices, model_path, None
