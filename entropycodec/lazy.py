"""Lazy names for a package (PEP 562): each public name loads from its submodule on first use.

So ``import entropycodec`` (and ``entropycodec --help``) imports no numpy or
numba; ``entropycodec.HuffmanCode`` imports ``entropycodec.coders.huffman`` the
first time it is asked for, and the package keeps it as a plain attribute.

>>> namespace = {}
>>> getattr_, dir_ = lazy_names(namespace, "json", {"dumps": ""}, ["dumps"])
>>> getattr_("dumps")([1]), "dumps" in namespace, dir_()
('[1]', True, ['dumps'])
"""

from __future__ import annotations

import importlib

__all__ = ["lazy_names"]


def lazy_names(module, package: str, exports: dict[str, str], names: list[str]):
    """The ``__getattr__`` and ``__dir__`` of the package whose ``globals()`` are
    ``module`` and whose name is ``package``: ``exports`` maps
    each public name to the submodule (relative to ``package``; "" for the package
    itself) that defines it; ``names`` is what ``dir()`` lists."""

    def __getattr__(name: str):
        submodule = exports.get(name)
        if submodule is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        target = f"{package}.{submodule}" if submodule else package
        value = getattr(importlib.import_module(target), name)
        module[name] = value  # the next look-up finds it without calling __getattr__
        return value

    def __dir__():
        return names

    return __getattr__, __dir__
