"""The desktop app (Qt, PySide6): a window and a tray icon beside the video call.

A thin shell over the library, like the CLI: sessions are recorded by
:func:`presence_coach.session.live.run_live_session`, reports written by
:func:`presence_coach.summary.pages.write_report`, sessions deleted by
:mod:`presence_coach.session.forget`, calibration measured by :mod:`presence_coach.calibration`.
The library never imports this package.

Modules: ``launch`` (start-up, one instance, no display), ``main_window``, ``session_page``
(start / stop and the calm status), ``runner`` (the session on a worker thread), ``status``
(status words and the gentle cue, pure), ``sessions_page`` and ``notes`` (the list, notes,
labels, deleting), ``settings`` (remembered choices) and ``settings_page``, ``tray``,
``devices`` (cameras and microphones by name), ``wizard`` (the calibration wizard).
"""
