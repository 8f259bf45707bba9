"""The one exception type that carries a user-facing message about bad input."""

from __future__ import annotations


class InputError(Exception):
    """Bad input (data, params, region, notebook parameters).

    The message names the file, the row or field and what is wrong, ready to print
    without a traceback. Several problems are joined by newlines.
    """

    @property
    def problems(self) -> list[str]:
        """The individual problems, one per line of the message."""
        return [line for line in str(self).splitlines() if line.strip()]
