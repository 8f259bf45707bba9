"""One family of errors: every failure the project knows how to explain.

:class:`AnnualReviewError` is the root; the command line turns each kind into its exit
code and one clear line, with no traceback. ``exit_code`` says which: 2 for bad input
(nothing was run or written), 1 for a failure after the inputs passed.
"""

from __future__ import annotations


class AnnualReviewError(Exception):
    """Any failure of annual-review that has a message for its user."""

    exit_code = 1

    @property
    def problems(self) -> list[str]:
        """The individual problems, one per line of the message."""
        return [line for line in str(self).splitlines() if line.strip()]


class InputError(AnnualReviewError):
    """Bad input (data, params, region, notebook parameters, a workbook, an option).

    The message names the file, the row or field and what is wrong, ready to print
    without a traceback. Several problems are joined by newlines.

    >>> InputError("a.csv: line 3: value -1\\nb.yaml: field x: missing").problems
    ['a.csv: line 3: value -1', 'b.yaml: field x: missing']
    """

    exit_code = 2


class CacheBusy(AnnualReviewError):
    """A build is using the cache, so it cannot be pruned now."""


class RunDied(AnnualReviewError):
    """The process running a notebook ended before the notebook did."""


class CellTimeout(AnnualReviewError, TimeoutError):
    """A cell ran longer than the timeout (also a :class:`TimeoutError`, so callers can
    catch the standard type)."""


class PublishError(AnnualReviewError):
    """A page, book or Word file could not be made from an executed notebook."""
