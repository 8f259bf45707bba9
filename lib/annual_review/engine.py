"""The papermill engine ``annual-review``: nbclient with warm forked kernels.

Registered as an entry point, so ``papermill --engine annual-review in.ipynb out.ipynb``
runs a notebook on a kernel forked from a warm zygote (see :mod:`annual_review.warm`).
"""

from __future__ import annotations

from papermill.engines import NBClientEngine

from .warm import WarmKernelManager


class WarmEngine(NBClientEngine):
    """nbclient execution whose kernels come from :class:`WarmKernelManager`."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
        kwargs.setdefault("kernel_manager_class", WarmKernelManager)
        return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)
