# Runtime hook (runs before PyInstaller's own): remember the MPLCONFIGDIR the user or IT set.
# PyInstaller's matplotlib hook then points MPLCONFIGDIR at a new temporary folder on every
# start (a one-file-mode precaution), which would rebuild the font cache each time;
# pilot_eval_app.py restores the remembered value, and the app puts an unset one in the user's
# pilot-eval folder.
import os

os.environ["PILOT_EVAL_MPLCONFIGDIR_BEFORE_BUNDLE"] = os.environ.get("MPLCONFIGDIR", "")
