"""The window's style sheet: calm colours and a focus ring that is always visible."""

FOCUS = "#ffbf47"
ACCENT = "#1d4f91"

STYLE_SHEET = f"""
QWidget {{ font-size: 10pt; }}
#StepBar {{ background: #f3f2f1; border: none; padding-top: 8px; font-size: 11pt; }}
#StepBar::item {{ padding: 10px 12px; }}
#StepBar::item:selected {{ background: {ACCENT}; color: white; }}
QListWidget::item {{ padding: 3px 2px; }}
#Headline {{ font-size: 12pt; font-weight: bold; padding: 6px 0; }}
QPushButton {{ padding: 5px 14px; }}
QPushButton:focus, QComboBox:focus, QLineEdit:focus {{ border: 3px solid {FOCUS}; }}
QListWidget:focus, QTableView:focus, QTableWidget:focus {{ border: 3px solid {FOCUS}; }}
"""
