"""The app's look: calm colours, large enough text, one clear main button."""

STYLE = """
QWidget { font-size: 11pt; }
QLabel#heading { font-size: 20pt; color: #1f3d40; }
QLabel#sessionTitle { font-size: 13pt; color: #1f3d40; }
QLabel#cue { font-size: 16pt; color: #4f7f86; }
QFrame#statusBox { background: #f3f6f6; border-radius: 8px; padding: 8px; }
QFrame#statusBox QLabel { font-size: 13pt; color: #2b3b3d; }
QPushButton#startStop {
    font-size: 15pt; color: white; background: #3f7d84; border: none; border-radius: 8px;
}
QPushButton#startStop:hover { background: #356b71; }
QPushButton#startStop[running="true"] { background: #b9574e; }
QPushButton#startStop[running="true"]:hover { background: #a24b43; }
QPushButton#prompt { font-size: 9.5pt; padding: 3px 8px; }
QProgressBar { border: 1px solid #c9d3d4; border-radius: 4px; background: #ffffff; }
QProgressBar::chunk { background: #7fb0a8; border-radius: 3px; }
"""
