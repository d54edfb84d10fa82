"""Store: one open Parley store, with the original module's 21 calls as
methods. parley.open(url) makes one; parley.storage keeps a default one."""
import atexit
import json
import threading

from . import _calls, _errors
from ._ffi import NULL, ffi, lib, outcome, take_result

_open_handles = set()   # closed at exit; a Store is only closed explicitly
_open_lock = threading.Lock()


class _Handle:
    """A parley_storage* that can be closed while other threads use it: close
    waits for the calls in progress (the C ABI forbids closing under them),
    later calls raise FailedPreconditionError."""

    def __init__(self, ptr):
        self._ptr = ptr
        self._cond = threading.Condition(threading.Lock())
        self._active = 0
        self.closed = False
        self.redacted_url = ffi.string(lib.parley_redacted_url(ptr)).decode(
            "utf-8", "replace")
        self.backend = ffi.string(lib.parley_backend_name(ptr)).decode()
        with _open_lock:
            _open_handles.add(self)

    def acquire(self):
        with self._cond:
            if self.closed:
                raise _errors.FailedPreconditionError(
                    "parley: the store %s is closed" % self.redacted_url)
            self._active += 1
            return self._ptr

    def release(self):
        with self._cond:
            self._active -= 1
            if self._active == 0 and self.closed:
                self._cond.notify_all()

    def close(self):
        with self._cond:
            if self.closed:
                return
            self.closed = True
            while self._active:
                self._cond.wait()
            ptr, self._ptr = self._ptr, NULL
        with _open_lock:
            _open_handles.discard(self)
        lib.parley_close(ptr)   # runs every queued async call first


@atexit.register
def _close_all():
    with _open_lock:
        handles = list(_open_handles)
    for h in handles:
        try:
            h.close()
        except Exception:
            pass


def _options_json(workers, max_queued, upgrade_schema):
    opts = {}
    if workers is not None:
        opts["workers"] = int(workers)
    if max_queued is not None:
        opts["max_queued"] = int(max_queued)
    if upgrade_schema is not None:
        opts["upgrade_schema"] = bool(upgrade_schema)
    return json.dumps(opts).encode() if opts else NULL


def open_handle(url=None, workers=None, max_queued=None, upgrade_schema=None):
    """Opens `url`, or $DATABASE_URL / ./data when url is None."""
    options = _options_json(workers, max_queued, upgrade_schema)
    error = ffi.new("parley_result**")
    if url is None:
        ptr = lib.parley_open_from_environment(options, error)
    else:
        if not isinstance(url, str):
            raise TypeError("url must be str, not %s" % type(url).__name__)
        b = url.encode("utf-8", "surrogatepass")
        ptr = lib.parley_open(b, len(b), options, error)
    if ptr == NULL:
        if error[0] == NULL:
            raise _errors.UnknownError("parley: the store did not open")
        outcome(*take_result(error[0]))   # raises
    return _Handle(ptr)


_FUNCS = {"parley_" + name: getattr(lib, "parley_" + name)
          for name in _calls.NAMES}


class OpenStore:
    """What Store and parley.aio's AsyncStore share: the open handle and what
    it tells about the store."""

    def __init__(self, handle):
        self._handle = handle

    @property
    def url(self):
        """The URL, password replaced by ***."""
        return self._handle.redacted_url

    @property
    def backend(self):
        """"json", "sqlite" or "postgresql"."""
        return self._handle.backend

    @property
    def closed(self):
        return self._handle.closed

    def close(self):
        self._handle.close()


class Store(OpenStore):
    """An open store: parley.open(url), or parley.open() for $DATABASE_URL
    (./data when unset). The original module's functions are its methods.
    A context manager: leaving the block closes it. Safe to use from many
    threads; close() waits for calls in progress."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return "<parley.Store %s%s>" % (self.url,
                                        " closed" if self.closed else "")

    def _call(self, prepared):
        name, args = prepared
        h = self._handle
        ptr = h.acquire()
        try:
            result = _FUNCS[name](ptr, *args)
        finally:
            h.release()
        return outcome(*take_result(result))


_calls.define(globals(), '''
def {NAME}({SIG}):
    return self._call(_calls.PREP["{NAME}"]({ARGS}))
''', "self")
for _name in _calls.NAMES:
    setattr(Store, _name, globals().pop(_name))
del _name


def open(url=None, *, workers=None, max_queued=None, upgrade_schema=None):
    """Opens the store `url` names (json:DIR, sqlite:///FILE,
    postgresql://...; README's URL table), or $DATABASE_URL (./data when it
    is unset) when url is None. workers: threads for parley.aio calls
    (default 8); max_queued: async calls that may wait (default 4096)."""
    return Store(open_handle(url, workers, max_queued, upgrade_schema))
