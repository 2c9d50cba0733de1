"""Modules imported when first used: ``kp list`` and ``kp stats`` read an index alone without
importing the chain's readers (web3, eth-abi), which cost most of a second of start-up
(`make bench`: kp --help; tests/cli/test_index_alone.py)."""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import Any


class _Deferred(ModuleType):
    """Stands for module ``__name__``: the first name read from it imports the module by the usual
    import, which makes one module object and has a thread wait for a module another thread is
    still importing; every name is then read from that module."""

    def __getattr__(self, name: str) -> Any:
        return getattr(importlib.import_module(self.__name__), name)


def lazy(name: str) -> ModuleType:
    """Module ``name`` if it is already imported, else what imports it when a name is read from it."""
    return sys.modules.get(name) or _Deferred(name)
