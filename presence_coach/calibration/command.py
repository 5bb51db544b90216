"""``presence-coach calibrate``: the profile in use, or a new one from the live routine or a
recording, saved for its camera/microphone pair."""

from __future__ import annotations

from presence_coach import models
from presence_coach.calibration.live import run_live_calibration
from presence_coach.calibration.profile import active_profile, describe_profile, save_profile
from presence_coach.calibration.routine import calibrate_from_recording
from presence_coach.desktop import has_display
from presence_coach.errors import UsageError


def calibrate(
    camera: str,
    mic: str | None,
    device_pair: tuple[str, str],
    *,
    show: bool = False,
    from_video: str | None = None,
    script: str | None = None,
    audio: str | None = None,
    models_dir: str | None = None,
) -> str:
    """Show the profile in use (``show``), else calibrate and save; the text to print.

    ``camera``/``mic`` are the devices as given (index or name/URL); ``device_pair`` the keys
    the profile is kept under (:func:`presence_coach.sources.devices.camera_identity`).

    Raises:
        UsageError: ``from_video`` without ``script`` or the other way round.
    """
    camera_key, mic_key = device_pair
    if show:
        return describe_profile(active_profile(camera_key, mic_key))
    if bool(from_video) != bool(script):
        raise UsageError("--from-video and --script go together (see `calibrate --help`)")
    model_path = models.find_model(models.FACE_LANDMARKER, models_dir=models_dir)
    if from_video:
        result = calibrate_from_recording(
            from_video,
            script,
            audio_path=audio,
            model_path=model_path,
            camera=camera_key,
            mic=mic_key,
        )
        profile = result.profile
    else:
        profile = run_live_calibration(
            int(camera) if camera.isdigit() else camera,
            mic,
            model_path=model_path,
            show_window=has_display(),
            camera_key=camera_key,
            mic_key=mic_key,
        )
    path = save_profile(profile)
    saved = f"Saved for camera {camera_key} and microphone {mic_key}: {path}"
    return f"{describe_profile(profile)}\n{saved}"
