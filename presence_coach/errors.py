"""One base exception for everything a user can cause or fix.

The CLI prints ``str(error)`` as one line and exits non-zero; a message names the bad value
and says how to fix it.
"""

from __future__ import annotations


class PresenceCoachError(Exception):
    """Base class: a problem the user can fix (bad input, missing model, no device)."""

    exit_code: int = 1


class UsageError(PresenceCoachError):
    """A bad flag or argument value."""

    exit_code = 2


class ModelError(PresenceCoachError):
    """The model file is missing, corrupt or not a Face Landmarker bundle."""


class SourceError(PresenceCoachError):
    """A video or audio source cannot be opened or read."""


class NoDeviceError(SourceError):
    """No camera or microphone is present where one was asked for."""


class StoreError(PresenceCoachError):
    """The session database cannot be opened or written, is from a newer version, or a
    session is unknown."""


class StoreBusyError(StoreError):
    """A session is still running, or another process uses files that are to be removed."""


class StoreDamagedError(StoreError):
    """SQLite reports the session database as damaged (a corrupt page)."""


class UnknownSessionError(StoreError):
    """No session has that number."""
