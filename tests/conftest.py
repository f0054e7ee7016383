"""Test configuration shared by every layer.

Qt runs offscreen in tests (set here, before anything imports Qt), and matplotlib uses the
non-interactive Agg backend.
"""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("MPLBACKEND", "Agg")
