"""Camera sharing in the app (issue 15): where the camera can be republished for the call app,
and what to say when it cannot, in the words of ``presence-coach camera-share --setup``. Pure
(the machine's state comes in as a :class:`~presence_coach.sources.share_setup.LoopbackState`).
"""

from __future__ import annotations

from presence_coach.sources.share_setup import (
    CARD_LABEL,
    LoopbackState,
    linux_check,
    linux_steps,
    setup_text,
)

OFF_LABEL = "Off: the call app uses the camera itself"
PICK_IT = (
    f"Start a session before the call, then pick the camera “{CARD_LABEL}” in Zoom, Teams or "
    "Meet: it shows what your camera sees while Presence Coach analyses it."
)


def share_choices(state: LoopbackState, remembered: str) -> list[tuple[str, str]]:
    """``(label, target)`` to offer: off (target ""), each virtual camera found, then a
    remembered target that is not among them (a URL, or a device not there now)."""
    out = [(OFF_LABEL, "")]
    out += [(f"{name or CARD_LABEL} ({dev})", dev) for dev, name in state.devices]
    if remembered and remembered not in {dev for dev, _ in state.devices}:
        missing = remembered.startswith("/dev/")
        out.append((f"{remembered} (not found now)" if missing else remembered, remembered))
    return out


def share_words(state: LoopbackState, platform: str) -> str:
    """What the app says about sharing on ``platform`` (a ``sys.platform`` value): that it is
    not needed (Windows, macOS), how to use it, or why it cannot be used yet."""
    if platform in ("win32", "darwin"):
        return setup_text(platform=platform, setup=False)
    if state.devices:
        return PICK_IT
    return (
        "Your camera cannot be shared yet: this computer has no virtual camera. On this "
        f"computer: {linux_check(state)[0]} (see how to set it up)."
    )


def share_steps(state: LoopbackState, platform: str) -> str:
    """The one-time steps to make sharing possible ("" when there is nothing to set up)."""
    if platform in ("win32", "darwin") or state.devices:
        return ""
    app_step = f"4. Come back to Settings and choose “{CARD_LABEL}”. {PICK_IT}"
    return "\n\n".join(
        [
            "Sharing needs a virtual camera (v4l2loopback), set up once in a terminal:",
            *linux_steps()[:3],
            app_step,
        ]
    )
