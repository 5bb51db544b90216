"""What is wrong during a session, from its status snapshots, and what to tell the user about
it (once each; saving each time it fails and each time it works again). A small streaming
watcher: ``update(snapshot)``, ``reset()``; time comes from the snapshots. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from presence_coach.app.status import Snapshot

NO_SOUND_AFTER_S = 5.0  # a chosen microphone silent this long from the start: say so
WORDS = {  # problem -> (title, what happens now and what to do)
    "mic": (
        "The microphone stopped giving sound",
        "The session goes on with the camera; the report will say when.",
    ),
    "no-mic": (
        "No sound from the microphone",
        "This session goes on with the camera alone. Check that a microphone is connected "
        "and not muted, or choose another one before the next session.",
    ),
    "saving": (
        "Saving failed",
        "Your session could not be saved just now ({saving}). Recording goes on, and what "
        "it records waits to be saved.{fix}",
    ),
    "saved": ("Saving works again", "Everything that waited has been saved."),
    "camera": (
        "The camera stopped giving a picture",
        "The session goes on with the microphone; the report will say when.",
    ),
}


DISK_FULL_FIX = " Free some space on the disk that holds your data folder."
GOOD_NEWS = ("saved",)  # told calmly, as information, not as a problem


@dataclass(frozen=True)
class Problem:
    key: str  # "mic", "no-mic", "saving", "saved" (saving works again) or "camera"
    title: str  # a short sentence for a notification's title
    text: str  # what happens now and what to do

    @property
    def good_news(self) -> bool:
        """A problem that went away (told as information)."""
        return self.key in GOOD_NEWS


def _problem(key: str, saving: str | None = None) -> Problem:
    title, text = WORDS[key]
    fix = DISK_FULL_FIX if saving == "disk full" else ""
    return Problem(key, title, text.format(saving=saving, fix=fix))


class ProblemWatch:
    """The problems of one session: those present now, and each told once."""

    def __init__(self, mic_wanted: bool = True) -> None:
        self.reset(mic_wanted)

    def reset(self, mic_wanted: bool = True) -> None:
        self.mic_wanted = mic_wanted  # a microphone was chosen (not "No microphone")
        self.told: set[str] = set()
        self._heard = False  # the microphone gave a level in this session
        self._saving: str | None = None  # why saving fails now (as last told); None: it works

    def update(self, snap: Snapshot) -> tuple[bool, list[Problem]]:
        """Whether anything is wrong now, and the problems to tell (new ones only)."""
        gone = snap.mic_lost or (snap.mic_dbfs is None and self.mic_wanted and self._heard)
        self._heard = self._heard or snap.mic_dbfs is not None
        now = {
            "mic": gone,
            "no-mic": self.mic_wanted and not self._heard and snap.t_s >= NO_SOUND_AFTER_S,
            "camera": snap.face is None,
        }
        new = [self.tell(k) for k, active in now.items() if active]
        new.append(self._saving_change(snap.saving))
        wrong = any(now.values()) or snap.saving is not None
        return wrong, [p for p in new if p is not None]

    def _saving_change(self, saving: str | None) -> Problem | None:
        """Saving failed, or works again, since the last snapshot: what to tell."""
        if (saving is None) == (self._saving is None):
            return None
        self._saving = saving
        return _problem("saving" if saving is not None else "saved", saving)

    def tell(self, key: str, saving: str | None = None) -> Problem | None:
        """The problem, the first time it is told in this session; else None."""
        if key in self.told:
            return None
        self.told.add(key)
        return _problem(key, saving)
