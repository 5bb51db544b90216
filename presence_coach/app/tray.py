"""The tray icon: the state at a glance (idle / recording / problem), Start / Stop, Quit, and
notifications when a device is lost or saving fails.

Where the desktop has no tray (some Linux desktops, a bare X server) the menu still exists
and the window stays the control; :attr:`Tray.available` says which.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from presence_coach.app.icons import IDLE, PROBLEM, RECORDING, state_icon

TOOLTIPS = {
    IDLE: "Presence Coach: not recording",
    RECORDING: "Presence Coach: recording",
    PROBLEM: "Presence Coach: needs your attention",
}
NOTIFY_MS = 8000  # how long a notification stays


class Tray(QObject):
    """The tray icon and its menu."""

    open_requested = Signal()
    start_requested = Signal()
    stop_requested = Signal()
    quit_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.menu = QMenu()
        self.open_action = self._action("Open Presence Coach", self.open_requested)
        self.menu.addSeparator()
        self.start_action = self._action("Start session", self.start_requested)
        self.stop_action = self._action("Stop session", self.stop_requested)
        self.menu.addSeparator()
        self.quit_action = self._action("Quit Presence Coach", self.quit_requested)
        self.available = QSystemTrayIcon.isSystemTrayAvailable()
        self.icon: QSystemTrayIcon | None = None
        self.state = IDLE
        self.notifications: list[tuple[str, str]] = []  # (title, text) shown so far
        if self.available:
            self.icon = QSystemTrayIcon(state_icon(IDLE))
            self.icon.setContextMenu(self.menu)
            self.icon.activated.connect(self._activated)
            self.icon.show()
        self.set_state(IDLE, running=False)

    def _action(self, text: str, signal: Signal) -> QAction:
        action = QAction(text, self.menu)
        action.triggered.connect(signal)
        self.menu.addAction(action)
        return action

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            self.open_requested.emit()

    def set_state(self, state: str, *, running: bool) -> None:
        self.state = state
        self.start_action.setEnabled(not running)
        self.stop_action.setEnabled(running)
        if self.icon is not None:
            self.icon.setIcon(state_icon(state))
            self.icon.setToolTip(TOOLTIPS[state])

    def notify(self, title: str, text: str, *, problem: bool = True) -> bool:
        """Show a notification from the tray; False where there is no tray to show it."""
        self.notifications.append((title, text))
        if self.icon is None or not QSystemTrayIcon.supportsMessages():
            return False
        kind = (
            QSystemTrayIcon.MessageIcon.Warning
            if problem
            else QSystemTrayIcon.MessageIcon.Information
        )
        self.icon.showMessage(title, text, kind, NOTIFY_MS)
        return True

    def hide(self) -> None:
        if self.icon is not None:
            self.icon.hide()
