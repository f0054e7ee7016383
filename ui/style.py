"""The window's style sheet: calm colours and a focus ring that is always visible.

Focused controls get a thick amber border (and padding reduced by the same amount, so the
text does not move when focus arrives).
"""

FOCUS = "#ffbf47"
ACCENT = "#1d4f91"

STYLE_SHEET = f"""
QWidget {{ font-size: 10pt; }}
#StepBar {{ background: #f3f2f1; border: 3px solid #f3f2f1; padding-top: 8px; font-size: 11pt; }}
#StepBar:focus {{ border: 3px solid {FOCUS}; }}
#StepBar::item {{ padding: 10px 12px; }}
#StepBar::item:selected {{ background: {ACCENT}; color: white; }}
#Headline {{ font-size: 12pt; font-weight: bold; padding: 6px 0; }}
#ChartTitle {{ font-weight: bold; }}
#ChartKey {{ color: #505a5f; }}
#Problem {{ color: #b00020; }}
QListWidget::item {{ padding: 3px 2px; }}
QPushButton {{ padding: 6px 16px; border: 1px solid #8c8c8c; border-radius: 3px;
               background: #fafafa; }}
QPushButton:disabled {{ color: #8c8c8c; border-color: #c8c8c8; }}
QPushButton:hover {{ background: #eef3fa; }}
QPushButton:focus {{ border: 3px solid {FOCUS}; padding: 4px 14px; }}
QComboBox:focus, QLineEdit:focus, QAbstractSpinBox:focus {{ border: 3px solid {FOCUS}; }}
QListWidget:focus, QTableView:focus, QTableWidget:focus {{ border: 3px solid {FOCUS}; }}
QPlainTextEdit:focus, QTextBrowser:focus {{ border: 3px solid {FOCUS}; }}
QLabel:focus {{ border: 3px solid {FOCUS}; }}
QCheckBox {{ border: 3px solid transparent; padding: 1px 4px; }}
QCheckBox:focus {{ border: 3px solid {FOCUS}; }}
"""
