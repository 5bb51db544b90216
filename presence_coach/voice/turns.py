"""Turn taking from two speech streams: yours and the client's (streaming, pure).

:class:`TurnTracker` takes each side's speech start/end decisions (from the VAD) in time
order, closes gaps shorter than ``min_gap_s`` inside one side's speech, and emits:

- ``you_speech`` / ``client_speech``: a side's speech, once its end is final;
- ``response``: you start after the client stopped (start = client's end, end = your start,
  ``latency_s``), known as soon as your start is;
- ``overlap``: both speak (start, end, ``started_by`` = who joined second: "you" is an
  interruption), known when the first of the two ends;
- ``client_silence``: nobody spoke for ``long_silence_s`` or more after the client stopped
  (``broken_by`` = who spoke next), known when someone speaks again.
"""

from __future__ import annotations

from dataclasses import dataclass

from presence_coach.events import Event

SIDES = ("you", "client")


@dataclass(frozen=True)
class TurnOptions:
    """Settings of turn taking."""

    min_gap_s: float = 0.3  # a side's gaps shorter than this are inside its speech
    min_overlap_s: float = 0.2  # both speaking shorter than this is not an overlap
    long_silence_s: float = 3.0  # the client's silence this long is reported


DEFAULT_TURNS = TurnOptions()


def conversation_event(
    kind: str, start: float, end: float, t_known: float, attrs: dict | None = None
) -> Event:
    """One conversation event as the one :class:`~presence_coach.events.Event` (times in
    session seconds; ``t_known``: when it was known).

    ``kind``: you_speech, client_speech, response, overlap or client_silence; ``attrs``:
    latency_s (response), started_by (overlap), broken_by and duration_s (client_silence).
    """
    return Event(kind, start, end, attrs or {}, t_known=t_known)


class _Side:
    def __init__(self) -> None:
        self.start: float | None = None  # open segment's start
        self.end: float | None = None  # its tentative end (None while speaking)
        self.last_end: float | None = None  # end of the last final segment


class TurnTracker:
    """Streaming turn events; feed ``start``/``end`` per side and ``tick`` with the clock."""

    def __init__(self, options: TurnOptions = DEFAULT_TURNS) -> None:
        self.options = options
        self.reset()

    def reset(self) -> None:
        self.sides = {s: _Side() for s in SIDES}
        self._last_final: tuple[str, float] | None = None  # side and end of last speech

    def start(self, side: str, t: float, t_known: float) -> list[Event]:
        """``side`` starts speaking at ``t``."""
        me = self.sides[side]
        if me.start is not None and me.end is not None and t - me.end < self.options.min_gap_s:
            me.end = None  # a short gap: the same speech goes on
            return []
        out = self.tick(t_known)
        other = self.sides[_other(side)]
        other_quiet = other.start is None or (other.end is not None and other.end <= t)
        last_other = other.end if other.start is not None else other.last_end
        mine = me.last_end if me.start is None else me.end
        if (
            side == "you"
            and other_quiet
            and last_other is not None
            and (mine is None or last_other > mine)
        ):
            lat = {"latency_s": round(t - last_other, 3)}
            out.append(conversation_event("response", last_other, t, t_known, lat))
        out += self._silence(side, t, t_known)
        me.start, me.end = t, None
        return out

    def end(self, side: str, t: float) -> None:
        """``side`` stopped at ``t`` (final once ``min_gap_s`` passed with no restart)."""
        me = self.sides[side]
        if me.start is not None:
            me.end = t

    def tick(self, now: float) -> list[Event]:
        """Finalise the segments whose end is ``min_gap_s`` old at ``now``, in end order."""
        gap = self.options.min_gap_s
        ready = sorted(
            (e, s) for s in SIDES if (e := self.sides[s].end) is not None and now - e >= gap
        )
        out: list[Event] = []
        for e, s in ready:
            out += self._finalise(s, e + gap)  # known the moment the gap was long enough
        return out

    def finish(self, t_end: float) -> list[Event]:
        """End of stream: every open speech ends (at its tentative end or ``t_end``)."""
        for s in SIDES:
            if self.sides[s].start is not None and self.sides[s].end is None:
                self.sides[s].end = t_end
        out: list[Event] = []
        open_ = sorted((self.sides[s].end, s) for s in SIDES if self.sides[s].start is not None)
        for _, s in open_:
            out += self._finalise(s, t_end)
        return out

    def _finalise(self, side: str, now: float) -> list[Event]:
        me, other = self.sides[side], self.sides[_other(side)]
        s, e = me.start, me.end
        assert s is not None and e is not None
        out = [conversation_event(f"{side}_speech", s, e, now)]
        if other.start is not None and other.start < e:
            a = max(s, other.start)
            b = e if other.end is None else min(e, other.end)
            if b - a >= self.options.min_overlap_s:
                by = side if s > other.start else _other(side)
                out.append(conversation_event("overlap", a, b, now, {"started_by": by}))
        me.start, me.end, me.last_end = None, None, e
        if self._last_final is None or e >= self._last_final[1]:
            self._last_final = (side, e)
        return out

    def _silence(self, side: str, t: float, t_known: float) -> list[Event]:
        """A long silence after the client's speech, broken by ``side`` at ``t``."""
        if any(self.sides[s].start is not None and self.sides[s].end is None for s in SIDES):
            return []
        ends = [(self.sides[s].end, s) for s in SIDES if self.sides[s].end is not None]
        if self._last_final is not None:
            ends.append((self._last_final[1], self._last_final[0]))
        if not ends:
            return []
        last_end, who = max(ends)
        if who != "client" or t - last_end < self.options.long_silence_s:
            return []
        attrs = {"broken_by": side, "duration_s": round(t - last_end, 3)}
        return [conversation_event("client_silence", last_end, t, t_known, attrs)]


def _other(side: str) -> str:
    return "client" if side == "you" else "you"
