"""The C ABI (api/parley.h) through cffi in ABI mode: no compiler at install
time, and the one libparley.so.1 every language uses.

The declarations are read from the copy of parley.h shipped in the package,
so they cannot drift from the library they were built with. cffi releases the
GIL around every C call.
"""
import json
import os
import re

import cffi

from . import _errors

_HERE = os.path.dirname(os.path.abspath(__file__))
HEADER = os.path.join(_HERE, "include", "parley.h")
LIBRARY = os.environ.get("PARLEY_LIBRARY") or os.path.join(
    _HERE, "_lib", "libparley.so.1")


def _cdef_from_header(text):
    """parley.h as cffi's cdef takes it: no comments, no preprocessor, the
    export and async-argument macros expanded."""
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    lines = []
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("#") or s in ('extern "C" {', "}"):
            continue
        lines.append(line)
    text = "\n".join(lines)
    text = text.replace("PARLEY_EXPORT", "")
    text = text.replace("PARLEY_ASYNC_ARGS",
                        "parley_callback done, void* context")
    return text


ffi = cffi.FFI()
with open(HEADER, encoding="utf-8") as _f:
    ffi.cdef(_cdef_from_header(_f.read()))
lib = ffi.dlopen(LIBRARY)

if lib.parley_abi_version() != 1:
    raise ImportError("parley: %s has ABI version %d, this package needs 1"
                      % (LIBRARY, lib.parley_abi_version()))

NULL = ffi.NULL
OK = 0


_string = ffi.string
_code = lib.parley_result_code
_json = lib.parley_result_json
_message = lib.parley_result_message
_free = lib.parley_result_free
_loads = json.loads


def take_result(result):
    """(code, message, json_bytes) of a parley_result*, which it frees. The
    JSON text and the message are NUL-terminated with no NUL inside (JSON
    escapes it; messages never carry field contents)."""
    try:
        code = _code(result)
        if code == OK:
            return OK, None, _string(_json(result, NULL))
        return code, _string(_message(result, NULL)).decode(
            "utf-8", "replace"), None
    finally:
        _free(result)


def outcome(code, message, text):
    """The Python value of a decoded result, or raises its exception."""
    if code != OK:
        raise _errors.error_for(code, message)
    if text == b"null":
        return None
    return _loads(text)


def version():
    return ffi.string(lib.parley_version()).decode()
