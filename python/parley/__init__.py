"""Parley from Python: the original JSON-file storage module's functions on
JSON files, SQLite or PostgreSQL, chosen by DATABASE_URL.

    from parley import storage          # drop-in for `from . import storage`
    storage.create_conversation("c1", "u1")

    import parley.aio                   # the same calls as coroutines
    await parley.aio.get_conversation("c1")

    with parley.open("sqlite:///chat.db") as store:   # an explicit store
        store.get_conversation("c1")
"""
from ._errors import *  # noqa: F401,F403
from ._errors import __all__ as _error_names
from ._ffi import version as _version
from ._store import Store, open  # noqa: A001

__version__ = _version()

__all__ = ["open", "Store", "storage", "aio", "__version__"] + list(
    _error_names)


def __getattr__(name):
    # `parley.storage` and `parley.aio` without importing them eagerly.
    if name in ("storage", "aio"):
        import importlib
        return importlib.import_module("parley." + name)
    raise AttributeError("module 'parley' has no attribute %r" % name)
