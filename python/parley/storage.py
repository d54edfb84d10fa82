"""The original storage module's functions, same names, parameters, defaults
and order, on the store DATABASE_URL names (the JSON store in ./data when it
is unset): replace `from . import storage` with `from parley import storage`.

configure(url) chooses the store explicitly; close() closes it. Every call
releases the GIL while the store works, so threads run calls in parallel.
Errors: parley.NotFoundError and parley.ProfileLockedError are ValueError
with the original's messages; parley._errors lists the rest.
"""
from . import _calls, _default
from ._default import close, configure  # noqa: F401
from ._store import Store

__all__ = list(_calls.NAMES) + ["configure", "close", "current"]


def current():
    """The default store as a parley.Store (opening it if needed)."""
    return Store(_default.handle())


_calls.define(globals(), '''
def {NAME}({SIG}):
    return _store_call(_calls.PREP["{NAME}"]({ARGS}))
''', None)


def _store_call(prepared):
    return Store(_default.handle())._call(prepared)
