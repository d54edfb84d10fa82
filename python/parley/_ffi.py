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


def take_result(result):
    """(code, message, json_text) of a parley_result*, which it frees."""
    try:
        code = lib.parley_result_code(result)
        if code == OK:
            n = ffi.new("size_t*")
            p = lib.parley_result_json(result, n)
            return code, None, ffi.unpack(p, n[0]).decode("utf-8")
        n = ffi.new("size_t*")
        p = lib.parley_result_message(result, n)
        message = ffi.unpack(p, n[0]).decode("utf-8", "replace")
        return code, message, None
    finally:
        lib.parley_result_free(result)


def outcome(code, message, text):
    """The Python value of a decoded result, or raises its exception."""
    if code != OK:
        raise _errors.error_for(code, message)
    return json.loads(text)


def version():
    return ffi.string(lib.parley_version()).decode()
