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
        # papermill rewrites the whole output notebook at every cell start and end; the
        # final save (also after a failure) happens in notebook_complete, which is enough.
        save = nb_man.save
        nb_man.save = lambda **_: None
        try:
            return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)
        finally:
            nb_man.save = save
