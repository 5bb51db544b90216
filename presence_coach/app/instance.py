"""One app per user (and data set-up): a second start asks the first to come to the front.

A local socket (``QLocalServer``: a Unix socket, a named pipe on Windows) named after the
user and the config folder. A server left by a crashed app is removed and taken over.
"""

from __future__ import annotations

import getpass
import hashlib
import os

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from presence_coach.config import config_dir

RAISE = b"raise\n"
CONNECT_TIMEOUT_MS = 1000


def instance_key() -> str:
    """The socket name: this user, this config folder (tests with their own folder coexist)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no login name (a container, a service): the user id
        user = str(os.getuid()) if hasattr(os, "getuid") else "user"
    digest = hashlib.sha256(f"{user}\0{config_dir()}".encode()).hexdigest()[:16]
    return f"presence-coach-{digest}"


class SingleInstance(QObject):
    """``claim()`` is True for the first instance; a later one's ``claim()`` asks it to show
    its window (``raise_requested``) and returns False."""

    raise_requested = Signal()

    def __init__(self, key: str | None = None) -> None:
        super().__init__()
        self.key = key or instance_key()
        self.server: QLocalServer | None = None

    def claim(self) -> bool:
        socket = QLocalSocket()
        socket.connectToServer(self.key)
        if socket.waitForConnected(CONNECT_TIMEOUT_MS):
            socket.write(RAISE)
            socket.waitForBytesWritten(CONNECT_TIMEOUT_MS)
            socket.disconnectFromServer()
            return False
        QLocalServer.removeServer(self.key)  # a crashed instance's socket file
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        server.newConnection.connect(self._connected)
        if not server.listen(self.key):
            return True  # no socket here (odd file system): run without the guard
        self.server = server
        return True

    def _connected(self) -> None:
        assert self.server is not None
        while (socket := self.server.nextPendingConnection()) is not None:
            socket.readyRead.connect(lambda s=socket: self._read(s))
            if socket.bytesAvailable():
                self._read(socket)

    def _read(self, socket: QLocalSocket) -> None:
        if bytes(socket.readAll().data()).startswith(RAISE.strip()):
            self.raise_requested.emit()
        socket.disconnectFromServer()

    def release(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None
