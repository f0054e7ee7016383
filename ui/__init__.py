"""The PySide6 desktop window of pilot-eval.  The only package that imports Qt.

Modules: ``app`` (``main(argv) -> int``), ``main_window`` (side bar of steps and the pages
``data_page``, ``impact_page``, ``brief_page``), ``controller`` (state and intents, testable
without a window), ``core_api`` (the core calls, imported lazily), ``task_runner`` (the one
runner for long work), ``error_info``/``error_dialog`` (what the user sees when something
fails), ``logs`` (rotating log file), ``table_model`` (DataFrame model), ``report_core``
(the project report: run, charts, export), ``impact_text``/``trends_text``/
``retention_text`` (the report in words),
``screenshots`` (the demo run that saves a PNG per step).
"""
