"""Whether a desktop display can be used: for the app's windows and the ``--preview`` window.

Light on purpose (no OpenCV, no Qt): the CLI asks before it decides to open the app.
"""

from __future__ import annotations

import os
import re
import socket
import sys
from contextlib import suppress
from pathlib import Path

X11_SOCKETS = Path("/tmp/.X11-unix")
CONNECT_TIMEOUT_S = 1.0


def has_display() -> bool:
    """True where a window can be opened (an X11/Wayland session, or macOS/Windows)."""
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def display_problem() -> str | None:
    """Why no window can be opened here, in one sentence; None when a display answers.

    On Linux the display named by ``WAYLAND_DISPLAY`` or ``DISPLAY`` is connected to (Qt
    would abort, not fail, on a display that is named but gone).
    """
    if not sys.platform.startswith("linux"):
        return None
    wayland, x11 = os.environ.get("WAYLAND_DISPLAY"), os.environ.get("DISPLAY")
    if not wayland and not x11:
        return "there is no desktop display here (DISPLAY and WAYLAND_DISPLAY are not set)"
    if wayland and _wayland_answers(wayland):
        return None
    if x11 and _x11_answers(x11):
        return None
    named = f"DISPLAY={x11}" if x11 else f"WAYLAND_DISPLAY={wayland}"
    return f"the desktop display {named} does not answer (is the desktop session still running?)"


def _connects(family: int, address: object) -> bool:
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.settimeout(CONNECT_TIMEOUT_S)
        try:
            s.connect(address)
        except OSError:
            return False
    return True


def _wayland_answers(name: str) -> bool:
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    path = Path(name) if name.startswith("/") else Path(runtime) / name
    return _connects(socket.AF_UNIX, str(path))


def _x11_answers(display: str) -> bool:
    m = re.fullmatch(r"(?P<host>[^:]*):(?P<number>\d+)(\.\d+)?", display)
    if m is None:
        return True  # a form we do not know: let the toolkit try
    host, number = m["host"], int(m["number"])
    if host in ("", "unix"):
        path = X11_SOCKETS / f"X{number}"
        if path.exists():
            return _connects(socket.AF_UNIX, str(path))
        # the abstract socket of servers started with -nolisten unix only
        return _connects(socket.AF_UNIX, f"\0{path}") or _connects(
            socket.AF_INET, ("127.0.0.1", 6000 + number)
        )
    if host.startswith("/"):  # macOS XQuartz launchd socket: trust it
        return True
    return _connects(socket.AF_INET, (host, 6000 + number))


def open_page(page: Path) -> None:
    """Open a local page in the user's browser; where none can be opened, the path was shown."""
    import webbrowser  # 10 ms (subprocess): only when a page is opened, not at every start

    with suppress(webbrowser.Error):
        webbrowser.open(page.as_uri())
