"""Errors raised by the estimators.

Both are ``ValueError`` subclasses: they describe a bad value (a configuration or data that
cannot be estimated), say what was seen and how to fix it.  The application layer turns them
into a message for the analyst; they never reach the user as a traceback.
"""


class EstimatorConfigError(ValueError):
    """An estimator option has a value outside the allowed set or is inconsistent."""


class EstimationError(ValueError):
    """The data cannot be estimated as asked (for example, no comparison units).

    ``column`` names the data column involved, when there is one.
    """

    def __init__(self, message: str, *, column: str | None = None) -> None:
        super().__init__(message)
        self.column = column
