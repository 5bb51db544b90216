"""The gaze mapping fitted to the user's own looks (calibration steps 1-3).

:func:`fit_gaze_calibration` moves the default camera and screen regions to the user's measured
looks and shrinks them where the user's camera, screen and away looks are closer together than
the default assumes.
"""

from __future__ import annotations

import math
from dataclasses import replace

from presence_coach.calibration.profile import GazeStats
from presence_coach.calibration.steps import DEFAULT_ROUTINE, RoutineOptions
from presence_coach.vision.gaze_state import DEFAULT_CALIBRATION, GazeCalibration


def _norm(dh: float, dv: float, rh: float, rv: float) -> float:
    return math.hypot(dh / rh, dv / rv)


def fit_gaze_calibration(
    stats: dict[str, GazeStats],
    *,
    base: GazeCalibration = DEFAULT_CALIBRATION,
    options: RoutineOptions = DEFAULT_ROUTINE,
) -> GazeCalibration:
    """The camera / screen regions for the user's measured looks.

    Centres: the measured camera and screen looks. Widths start from the default regions
    (a session has more head motion than the calibration), widened to ``radius_sd`` measured
    spreads for a noisy user, then narrowed along the axis that separates camera from screen
    so the camera region ends where the two spreads meet, and so that neither region takes
    in the measured away look.
    """
    cam, scr, away = stats["camera"], stats["screen"], stats["away"]
    k, lo = options.radius_sd, options.min_radius_deg

    def width(default: float, sd: float) -> float:
        return min(max(default, k * sd), options.max_radius_scale * default)

    c_rh = width(base.camera_radius_h_deg, cam.sd_h_deg)
    c_rv = width(base.camera_radius_v_deg, cam.sd_v_deg)
    wide_rv = c_rv
    s_rh = width(base.screen_radius_h_deg, scr.sd_h_deg)
    s_rv = width(base.screen_radius_v_deg, scr.sd_v_deg)
    # camera versus screen: split the gap on its main axis in proportion to the spreads
    dh, dv = scr.h_deg - cam.h_deg, scr.v_deg - cam.v_deg
    if abs(dv) >= abs(dh):
        share = cam.sd_v_deg / max(cam.sd_v_deg + scr.sd_v_deg, 1e-9)
        share = min(max(share, 0.35), 0.65)
        c_rv = max(lo, min(c_rv, share * abs(dv)))
        s_rv = max(s_rv, min((1 - share) * abs(dv), options.max_radius_scale * s_rv))
    else:
        share = cam.sd_h_deg / max(cam.sd_h_deg + scr.sd_h_deg, 1e-9)
        share = min(max(share, 0.35), 0.65)
        c_rh = max(lo, min(c_rh, share * abs(dh)))
    # neither region may hold the away look: end it ``away_share`` of the way there
    reach = 1.0 / options.away_share
    for centre in ("camera", "screen"):
        ch, cv = (cam.h_deg, cam.v_deg) if centre == "camera" else (scr.h_deg, scr.v_deg)
        rh, rv = (c_rh, c_rv) if centre == "camera" else (s_rh, s_rv)
        ah, av = away.h_deg - ch, away.v_deg - cv
        if _norm(ah, av, rh, rv) < reach:
            if abs(ah) >= abs(av):
                rh = max(lo, options.away_share * abs(ah))
            else:
                rv = max(lo, options.away_share * abs(av))
        if centre == "camera":
            c_rh, c_rv = rh, rv
        else:
            s_rh, s_rv = rh, rv
    # below the lens reaches further only while nothing measured bounds the camera region
    c_rb = width(base.camera_radius_below_deg, cam.sd_v_deg) if c_rv >= wide_rv else c_rv
    return replace(
        base,
        camera_h_deg=round(cam.h_deg, 2),
        camera_v_deg=round(cam.v_deg, 2),
        camera_radius_h_deg=round(c_rh, 2),
        camera_radius_v_deg=round(c_rv, 2),
        camera_radius_below_deg=round(c_rb, 2),
        screen_h_deg=round(scr.h_deg, 2),
        screen_v_deg=round(scr.v_deg, 2),
        screen_radius_h_deg=round(s_rh, 2),
        screen_radius_v_deg=round(s_rv, 2),
        calibrated=True,
    )
