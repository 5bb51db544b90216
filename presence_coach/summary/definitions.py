"""The names, units and one-line definitions of every number in a session's summary, and which
of them are compared across sessions. One name per idea: the report, the terminal and the JSON
labels all come from :data:`METRICS`."""

from __future__ import annotations

from dataclasses import dataclass

from presence_coach.voice.stats import LONG_PAUSE_MIN_S, SHORT_PAUSE_MAX_S

MINUTE_S = 60.0  # length of one bar of the per-minute series
RATE_MIN_SPEECH_S = 5.0  # a minute's speech rate is given only with at least this much speech


@dataclass(frozen=True)
class MetricDef:
    label: str
    unit: str  # "fraction" values are shares 0..1 (shown as percent), "count" plain counts
    definition: str
    group: str


_P = f"short < {SHORT_PAUSE_MAX_S:g} s, medium {SHORT_PAUSE_MAX_S:g}-{LONG_PAUSE_MIN_S:g} s"


METRICS: dict[str, MetricDef] = {
    # session
    "duration_s": MetricDef(
        "Session length", "s", "Time covered by the session clock, start to stop.", "Session"
    ),
    "face_present_fraction": MetricDef(
        "Face in view",
        "fraction",
        "Share of the camera's timeline (10 rows a second) in which it found your face.",
        "Session",
    ),
    "camera_s": MetricDef(
        "Camera working",
        "s",
        "Time the camera gave a picture: from the first analysed frame to the end, minus the "
        "gaps when it gave none. Face, gaze and head rates are per this time.",
        "Session",
    ),
    "microphone_s": MetricDef(
        "Microphone working",
        "s",
        "Time the microphone gave sound: from its first sound to the end, minus the gaps "
        "when it gave none. Speech shares and rates are of this time.",
        "Session",
    ),
    # voice
    "speaking_fraction": MetricDef(
        "Speaking share",
        "fraction",
        "Share of the time the microphone worked covered by your own speech: of its stored "
        "100 ms steps, those with speech.",
        "Voice",
    ),
    "talk_share_you": MetricDef(
        "Your share of the talk",
        "fraction",
        "With call audio: your speaking time divided by yours plus the client's.",
        "Voice",
    ),
    "interruptions": MetricDef(
        "Times you talked over",
        "count",
        "With call audio: times you started speaking while the client was speaking.",
        "Voice",
    ),
    "utterances": MetricDef(
        "Stretches of speech", "count", "Runs of speech separated by a pause.", "Voice"
    ),
    "longest_speech_s": MetricDef(
        "Longest stretch of speaking",
        "s",
        "Longest continuous stretch of your speech without a pause.",
        "Voice",
    ),
    "articulation_rate_syl_per_s": MetricDef(
        "Pace",
        "syllables/s",
        "Syllables per second of speaking time (pauses left out).",
        "Voice",
    ),
    "words_per_min_approx": MetricDef(
        "Words per minute (approx.)",
        "words/min",
        "Pace converted to words with an average syllables-per-word figure.",
        "Voice",
    ),
    "rate_minute_median_syl_per_s": MetricDef(
        "Typical minute's pace",
        "syllables/s",
        f"Median of the per-minute paces (minutes with at least "
        f"{RATE_MIN_SPEECH_S:g} s of speech).",
        "Voice",
    ),
    "rate_minute_iqr_syl_per_s": MetricDef(
        "Pace variation",
        "syllables/s",
        "Spread of the per-minute paces: 75th minus 25th percentile.",
        "Voice",
    ),
    "f0_median_hz": MetricDef(
        "Typical pitch", "Hz", "Median voice pitch (F0) over voiced speech.", "Voice"
    ),
    "f0_range_st": MetricDef(
        "Pitch range",
        "semitones",
        "Spread of your pitch: 5th to 95th percentile, in semitones.",
        "Voice",
    ),
    "f0_sd_st": MetricDef(
        "Pitch variability",
        "semitones",
        "Standard deviation of your pitch, in semitones.",
        "Voice",
    ),
    "loudness_median_dbfs": MetricDef(
        "Typical loudness",
        "dBFS",
        "Median level of your speech at the microphone (0 dBFS = full scale).",
        "Voice",
    ),
    "loudness_sd_db": MetricDef(
        "Loudness variability",
        "dB",
        "Standard deviation of the speech level.",
        "Voice",
    ),
    # pauses
    "pauses_short": MetricDef(
        "Short pauses", "count", f"Pauses shorter than {SHORT_PAUSE_MAX_S:g} s.", "Pauses"
    ),
    "pauses_medium": MetricDef(
        "Medium pauses",
        "count",
        f"Pauses from {SHORT_PAUSE_MAX_S:g} s up to {LONG_PAUSE_MIN_S:g} s.",
        "Pauses",
    ),
    "pauses_long": MetricDef(
        f"Silences of {LONG_PAUSE_MIN_S:g} s or more",
        "count",
        f"Pauses of {LONG_PAUSE_MIN_S:g} s or more ({_P}).",
        "Pauses",
    ),
    "pause_longest_s": MetricDef(
        "Longest silence", "s", "Longest pause between stretches of your speech.", "Pauses"
    ),
    "response_latency_median_s": MetricDef(
        "Time to answer",
        "s",
        "With call audio: median time from the client's end of speech to your start, when "
        "you started after they stopped.",
        "Pauses",
    ),
    # head and face
    "nods": MetricDef(
        "Nods", "count", "Down-up head movements (one or more cycles).", "Head and face"
    ),
    "nods_per_min": MetricDef(
        "Nods per minute", "per min", "Nods per minute the camera worked.", "Head and face"
    ),
    "listening_nods": MetricDef(
        "Listening nods",
        "count",
        "Nods made while you were not speaking (you were listening).",
        "Head and face",
    ),
    "shakes": MetricDef("Head shakes", "count", "Side-to-side head movements.", "Head and face"),
    "smiles": MetricDef("Smiles", "count", "Moments of smiling.", "Head and face"),
    "smiles_per_min": MetricDef(
        "Smiles per minute", "per min", "Smiles per minute the camera worked.", "Head and face"
    ),
    # gaze
    "eye_contacts": MetricDef(
        "Eye-contact moments",
        "count",
        "Times you looked into the camera lens and held it for about a second or more.",
        "Gaze",
    ),
    "eye_contacts_per_min": MetricDef(
        "Eye-contact moments per minute",
        "per min",
        "Eye-contact moments per minute the camera worked.",
        "Gaze",
    ),
    "gaze_camera_fraction": MetricDef(
        "Looking at the camera",
        "fraction",
        "Share of face-in-view time your gaze was at the lens (what the client sees as "
        "eye contact).",
        "Gaze",
    ),
    "gaze_screen_fraction": MetricDef(
        "Looking at the screen",
        "fraction",
        "Share of face-in-view time your gaze was on the screen (e.g. the client's video).",
        "Gaze",
    ),
    "gaze_away_fraction": MetricDef(
        "Looking away",
        "fraction",
        "Share of face-in-view time your gaze was off the camera and the screen.",
        "Gaze",
    ),
    # performance
    "frames_analyzed": MetricDef(
        "Frames analysed", "count", "Camera frames the face analysis processed.", "Performance"
    ),
    "frames_dropped": MetricDef(
        "Frames dropped",
        "count",
        "Frames skipped because analysis was busy (the newest frame is always used).",
        "Performance",
    ),
    "ms_per_frame": MetricDef(
        "Time per frame",
        "ms",
        "Sum of the median times of the analysis stages for one frame.",
        "Performance",
    ),
    "cpu_one_core_fraction": MetricDef(
        "CPU use",
        "fraction",
        "Processor time of the analysis divided by the session's wall time (share of one core).",
        "Performance",
    ),
}


# raise when trend_numbers computes differently: history's kept numbers are then stale
# (3: speaking share from the voice timeline rows, rates over each signal's own time;
# 4: the conversation's talk share, time to answer and talking over)
TREND_REVISION = 4


# numbers compared across sessions (history) and with previous sessions in the report
TREND_KEYS = (
    "speaking_fraction",
    "articulation_rate_syl_per_s",
    "longest_speech_s",
    "pauses_long",
    "nods_per_min",
    "listening_nods",
    "eye_contacts_per_min",
    "gaze_camera_fraction",
    "smiles_per_min",
    "talk_share_you",
    "response_latency_median_s",
    "interruptions",
)


# every number trend_numbers gives (None when the session has no data for it)
TREND_NUMBER_KEYS = (
    "speaking_fraction",
    "utterances",
    "longest_speech_s",
    "articulation_rate_syl_per_s",
    "words_per_min_approx",
    "pauses_short",
    "pauses_medium",
    "pauses_long",
    "pause_longest_s",
    "nods",
    "nods_per_min",
    "listening_nods",
    "shakes",
    "smiles",
    "smiles_per_min",
    "eye_contacts",
    "eye_contacts_per_min",
    "gaze_camera_fraction",
    "gaze_screen_fraction",
    "gaze_away_fraction",
    "talk_share_you",
    "response_latency_median_s",
    "interruptions",
)
