"""Questions to the user and opening files: small helpers the pages share."""

from __future__ import annotations

import webbrowser
from contextlib import suppress
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox, QWidget


def confirm(parent: QWidget | None, title: str, text: str, yes: str, no: str = "Cancel") -> bool:
    """Ask a yes/no question whose buttons say what they do; True for ``yes``. The safe
    answer (``no``) is the default: Enter or Esc never deletes or stops anything."""
    box = QMessageBox(parent)
    box.setWindowTitle(title)
    box.setIcon(QMessageBox.Icon.Question)
    box.setText(text)
    yes_button = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
    no_button = box.addButton(no, QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(no_button)
    box.setEscapeButton(no_button)
    box.exec()
    return box.clickedButton() is yes_button


def open_page(page: Path) -> None:
    """A report page in the user's browser (``$BROWSER`` is honoured, as the CLI does)."""
    with suppress(webbrowser.Error):
        webbrowser.open(page.as_uri())


def show_folder(folder: Path) -> bool:
    """The folder in the system's file manager; False when none could be started."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))
