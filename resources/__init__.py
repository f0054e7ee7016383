"""Package data: demo pilot, fonts for PDFs, icons and style sheet.

Read with ``importlib.resources.files("pilot_eval.resources")``.
"""
