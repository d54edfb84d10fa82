"""The original storage module's functions as coroutines, for asyncio apps:

    import parley.aio as storage
    conv = await storage.get_conversation(cid)

They run on the store's own threads with the GIL released and never block
the event loop. Same default store as parley.storage (DATABASE_URL, or
./data when unset; configure(url) to choose). open(url) gives an AsyncStore
with the same methods, usable with `async with`.

Cancelling a task that awaits a call leaks nothing and never half-applies a
write: the call, once queued, runs to its end as one transaction, and its
result is dropped. So a cancelled write either ran whole or never started;
read back to learn which.
"""
from . import _calls, _default
from ._aio_store import AsyncStore, pending_calls  # noqa: F401
from ._default import close, configure  # noqa: F401
from ._store import open_handle

__all__ = list(_calls.NAMES) + ["configure", "close", "open", "AsyncStore",
                                "current"]


def open(url=None, *, workers=None, max_queued=None, upgrade_schema=None):
    """As parley.open, giving an AsyncStore."""
    return AsyncStore(open_handle(url, workers, max_queued, upgrade_schema))


def current():
    """The default store as an AsyncStore (opening it if needed)."""
    return AsyncStore(_default.handle())


_calls.define(globals(), '''
async def {NAME}({SIG}):
    return await AsyncStore(_default.handle())._start(
        _calls.PREP["{NAME}"]({ARGS}))
''', None)
