"""Was the person speaking during a gesture: the one answer, from the voice timeline rows.

Pure functions over row arrays; the recording's analysis (marking each nod and shake as it
is found), the summary and the history (from stored rows) all ask here.
"""

from __future__ import annotations

import numpy as np

VOICE_ROW_S = 0.1  # voice timeline rows are 100 ms (VoiceOptions.timeline_hz = 10)
WHILE_SPEAKING_MIN_SHARE = 0.5  # speech must cover more than this share of a gesture


def speaking_share(
    t: np.ndarray, speaking: np.ndarray, *, start_s: float, end_s: float
) -> float | None:
    """Share of the voice rows in a stretch that are marked speaking; None without rows
    there. A row counts when it starts from half a row before ``start_s`` up to ``end_s``.

    Args:
        t: (n,) row start times in seconds, ascending; speaking: (n,) 0/1 (or bool).
    """
    a, b = speaking_rows(t, start_s=start_s, end_s=end_s)
    if b <= a:
        return None
    return float(np.mean(speaking[a:b]))


def speaking_rows(t: np.ndarray, *, start_s: float, end_s: float) -> tuple[int, int]:
    """Index range ``[a, b)`` of the rows :func:`speaking_share` looks at.

    Args:
        t: (n,) row start times in seconds, ascending.
    """
    a = int(np.searchsorted(t, start_s - VOICE_ROW_S / 2, side="left"))
    b = int(np.searchsorted(t, end_s, side="left"))
    return a, b


def while_speaking(share: float | None) -> bool | None:
    """Whether a gesture with this :func:`speaking_share` was made while speaking (None:
    unknown, no voice there)."""
    return None if share is None else share > WHILE_SPEAKING_MIN_SHARE
