"""How sure the face numbers are: the one plain line the report gives about what nod and gaze
numbers can miss, and when a nod count is shown as "about N".

A nod event says whether it was ``clear`` (:mod:`presence_coach.vision.nods`: well above what
the detector needed to count it). A count is approximate when any counted nod was not clear
(the next session's lighting or posture could tip it either way) or when the face was out of
view for a noticeable share of the session (nods made then were not seen).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# what the benchmark finds (bench/RESULTS-vision.md): small listening nods and nods made while
# speaking or laughing are missed most, and a head that bobs with its speech adds false nods
VISION_CAVEAT = (
    "Nods and eye contact are read from your head and eyes in the video: small nods (while you "
    "listen, laugh or speak), nods while your face is out of view and very slow nods can be "
    "missed; a head that bobs as you speak can add a few; and eye contact means looking at or "
    "just below the lens, not at the client on screen."
)
MIN_FACE_IN_VIEW = 0.9  # below this share of face-in-view time a nod count is approximate
APPROXIMATE_KEYS = ("nods", "listening_nods")  # counts shown as "about N" when unsure


def face_certainty(
    nods: Iterable[Mapping[str, Any]], *, face_present_fraction: float | None
) -> dict[str, Any]:
    """``nods_faint`` (nods not marked clear) and ``nods_approximate`` for a session."""
    faint = sum(1 for n in nods if n.get("clear") is False)
    partly_seen = face_present_fraction is not None and face_present_fraction < MIN_FACE_IN_VIEW
    return {"nods_faint": faint, "nods_approximate": bool(faint or partly_seen)}


def approximate(summary: Mapping[str, Any], key: str) -> bool:
    """Whether metric ``key`` of a session summary should be shown as "about N"."""
    certainty = summary.get("certainty") or {}
    return key in APPROXIMATE_KEYS and bool(certainty.get("nods_approximate"))


def about(text: str, approximate_count: bool) -> str:
    """``"about 12"`` for an approximate count (not for "0" or "-": none seen is none seen)."""
    return f"about {text}" if approximate_count and text not in ("0", "-") else text
