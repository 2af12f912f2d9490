"""The two ways a NACHA file goes wrong: we were asked to write something the standard
cannot hold, or a file we read breaks the standard (always naming its line)."""


class NachaFieldError(ValueError):
    """A value cannot be written into a NACHA field (too long, bad characters, bad
    routing number, an amount that does not fit). Nothing is written."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")

    def within(self, where: str) -> "NachaFieldError":
        """The same error named from its batch and entry ("batch 2 entry 17 amount")."""
        return NachaFieldError(f"{where} {self.field}", self.message)


class NachaFormatError(ValueError):
    """A file we read is not a valid NACHA file. `line` is the 1-based physical line
    (None when the problem is the file as a whole, such as an empty file)."""

    def __init__(self, line: int | None, message: str):
        self.line = line
        self.reason = message
        super().__init__(f"line {line}: {message}" if line is not None else message)
