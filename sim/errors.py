"""Errors the user can fix: bad scenario values, bad input files, impossible targets.

Every module raises `InputError` (or a subclass) for input a person supplied, with a
message that names the field, the value and the rule. The CLI and the app catch this one
class and show the message without a traceback; anything else is a bug.
"""


class InputError(ValueError):
    """Input that breaks a documented rule; `str(err)` is the message to show."""

    def __init__(self, message: str, problems: list[str] | None = None):
        self.problems = problems or [message]
        super().__init__(message)
