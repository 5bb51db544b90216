"""Presence Coach: a private, local presence coach for therapists who work over video."""

from presence_coach.errors import PresenceCoachError

__version__ = "0.1.0"
__all__ = ["PresenceCoachError", "__version__"]
