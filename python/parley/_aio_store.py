"""AsyncStore: the 21 calls as coroutines, run on the store's own threads.

Each call goes to the C ABI's _async function with one module-level cffi
callback (kept alive for the life of the process) and a context made by
ffi.new_handle, kept in _pending until the callback has run. The callback
runs on a Parley thread: it decodes and frees the result, then hands the
outcome to the caller's event loop with call_soon_threadsafe. The loop never
waits for the store.

Cancellation: cancelling the awaiting task cancels only the waiting. The C
call was already queued and runs to its end; when it completes, the callback
sees the future cancelled and just frees the result. So a cancelled write
either ran whole or never started (it is never half applied: every call is
one transaction), and nothing leaks: no connection, no queued work, no
result. Read the record back to learn which.
"""
import asyncio
import threading

from . import _calls, _errors
from ._ffi import NULL, ffi, lib, outcome, take_result
from ._store import OpenStore

_pending = {}          # id(context) -> context, until its callback ran
_pending_lock = threading.Lock()


class _Context:
    __slots__ = ("loop", "future", "handle", "__weakref__")


def _settle(future, code, message, value):
    if future.cancelled():
        return
    if code is None:
        future.set_result(value)
    else:
        future.set_exception(_errors.error_for(code, message))


@ffi.callback("void(void*, parley_result*)")
def _on_done(context, result):
    # On a Parley thread. Must not raise (cffi would only print it) and must
    # always free the result.
    try:
        ctx = ffi.from_handle(context)
    except BaseException:
        lib.parley_result_free(result)
        return
    with _pending_lock:
        _pending.pop(id(ctx), None)
    try:
        code, message, text = take_result(result)   # frees it
        future = ctx.future
        if future.cancelled():
            return
        value = None
        if code == 0:
            try:
                value = outcome(code, message, text)
                code = None
            except BaseException as e:   # not expected: JSON from the ABI
                code, message = 13, "parley: bad result: %r" % (e,)
        ctx.loop.call_soon_threadsafe(_settle, future, code, message, value)
    except RuntimeError:
        pass    # the loop is closed: nobody waits for this result
    except BaseException:
        pass


_ASYNC = {"parley_" + name: getattr(lib, "parley_" + name + "_async")
          for name in _calls.NAMES}


def pending_calls():
    """How many async calls this process has queued and not yet seen
    complete (for tests and diagnostics)."""
    with _pending_lock:
        return len(_pending)


class AsyncStore(OpenStore):
    """An open store whose calls are coroutines. parley.aio.open(url); also
    `async with`, which closes it at the end."""

    async def aclose(self):
        """Closes the store after every queued call ran (in a thread, so the
        loop keeps running)."""
        await asyncio.get_running_loop().run_in_executor(
            None, self._handle.close)

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.aclose()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return "<parley.aio.AsyncStore %s%s>" % (
            self.url, " closed" if self.closed else "")

    def _start(self, prepared):
        name, args = prepared
        loop = asyncio.get_running_loop()
        ctx = _Context()
        ctx.loop = loop
        ctx.future = loop.create_future()
        ctx.handle = ffi.new_handle(ctx)
        key = id(ctx)
        with _pending_lock:
            _pending[key] = ctx
        h = self._handle
        try:
            ptr = h.acquire()
        except BaseException:
            with _pending_lock:
                _pending.pop(key, None)
            raise
        try:
            error = _ASYNC[name](ptr, *args, _on_done, ctx.handle)
        except BaseException:
            with _pending_lock:
                _pending.pop(key, None)
            raise
        finally:
            h.release()
        if error != NULL:
            with _pending_lock:
                _pending.pop(key, None)
            outcome(*take_result(error))   # raises
            raise _errors.UnknownError("parley: call not queued")
        return ctx.future


# Arguments are converted (TypeError) and the call queued before the first
# await: a task cancelled before it starts never queues it.
_calls.define(globals(), '''
async def {NAME}({SIG}):
    return await self._start(_calls.PREP["{NAME}"]({ARGS}))
''', "self")
for _name in _calls.NAMES:
    _f = globals().pop(_name)
    setattr(AsyncStore, _name, _f)
del _name, _f
