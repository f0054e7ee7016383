"""The PySide6 desktop window of pilot-eval.  The only package that imports Qt."""
