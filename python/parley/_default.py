"""The default store that parley.storage and parley.aio share: opened on
first use from $DATABASE_URL (the JSON store in ./data when it is unset), or
from the URL given to configure()."""
import threading

from . import _store

_lock = threading.Lock()
_handle = None
_settings = (None, {})   # (url or None for the environment, open options)


def handle():
    h = _handle
    if h is not None and not h.closed:
        return h
    return _open()


def _open():
    global _handle
    with _lock:
        if _handle is None or _handle.closed:
            url, options = _settings
            _handle = _store.open_handle(url, **options)
        return _handle


def configure(url=None, *, workers=None, max_queued=None,
              upgrade_schema=None):
    """Makes `url` the store of the module-level functions (opened now, so a
    bad URL raises here); None goes back to $DATABASE_URL / ./data, opened on
    next use. The store used before is closed (after its calls finish)."""
    global _handle, _settings
    options = dict(workers=workers, max_queued=max_queued,
                   upgrade_schema=upgrade_schema)
    new = _store.open_handle(url, **options) if url is not None else None
    with _lock:
        old, _handle = _handle, new
        _settings = (url, options)
    if old is not None:
        old.close()


def close():
    """Closes the default store; the next call opens it again."""
    global _handle
    with _lock:
        old, _handle = _handle, None
    if old is not None:
        old.close()
