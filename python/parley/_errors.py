"""Exceptions raised by the parley package.

Every error Parley reports is a ParleyError; the two the original module
raised are also ValueError, with the original's exact messages, because
applications turn str(e) into HTTP responses.

  NotFoundError(ValueError)        "Conversation <id> not found",
                                   "Profile for user <id> not found",
                                   "Subscription for user <id> not found"
  ProfileLockedError(ValueError)   "Profile is locked and cannot be edited"
  InvalidArgumentError(ValueError) an id that could escape the store, JSON
                                   the call cannot take, a malformed URL
  AlreadyExistsError               create_conversation with a taken id
  FailedPreconditionError          the store is closed, or its schema is
                                   newer than this library
  UnavailableError                 busy or unreachable: retry the call
  PoolExhaustedError               no pooled connection within pool_timeout,
                                   or too many queued async calls: retry
  CommitOutcomeUnknownError        the connection was lost after COMMIT was
                                   sent: the write may or may not have been
                                   applied; read back before retrying
  DataLossError                    a stored record cannot be read back (the
                                   message names the file or row)
  DeadlineExceededError, InternalError, UnknownError, ...: the other codes.

Values the json module cannot serialize (a set, an arbitrary object) raise
TypeError before anything is sent to the store.
"""

__all__ = [
    "ParleyError", "NotFoundError", "ProfileLockedError",
    "InvalidArgumentError", "AlreadyExistsError", "FailedPreconditionError",
    "UnavailableError", "PoolExhaustedError", "CommitOutcomeUnknownError",
    "DataLossError", "DeadlineExceededError", "InternalError",
    "UnknownError", "CancelledError", "PermissionDeniedError",
    "AbortedError", "OutOfRangeError", "UnimplementedError",
    "UnauthenticatedError",
]


class ParleyError(Exception):
    """Base of every error the store reports.

    code: the numeric parley_code; code_name: "NOT_FOUND", ...;
    retryable: True when the same call may succeed if made again.
    """
    code = 2
    code_name = "UNKNOWN"
    retryable = False

    def __init__(self, message="", code=None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class NotFoundError(ParleyError, ValueError):
    code, code_name = 5, "NOT_FOUND"


class ProfileLockedError(ParleyError, ValueError):
    code, code_name = 9, "FAILED_PRECONDITION"


class InvalidArgumentError(ParleyError, ValueError):
    code, code_name = 3, "INVALID_ARGUMENT"


class AlreadyExistsError(ParleyError):
    code, code_name = 6, "ALREADY_EXISTS"


class FailedPreconditionError(ParleyError):
    code, code_name = 9, "FAILED_PRECONDITION"


class UnavailableError(ParleyError):
    code, code_name, retryable = 14, "UNAVAILABLE", True


class PoolExhaustedError(ParleyError):
    code, code_name, retryable = 8, "RESOURCE_EXHAUSTED", True


class CommitOutcomeUnknownError(ParleyError):
    code, code_name = 100, "COMMIT_OUTCOME_UNKNOWN"


class DataLossError(ParleyError):
    code, code_name = 15, "DATA_LOSS"


class DeadlineExceededError(ParleyError):
    code, code_name, retryable = 4, "DEADLINE_EXCEEDED", True


class InternalError(ParleyError):
    code, code_name = 13, "INTERNAL"


class UnknownError(ParleyError):
    code, code_name = 2, "UNKNOWN"


class CancelledError(ParleyError):
    code, code_name = 1, "CANCELLED"


class PermissionDeniedError(ParleyError):
    code, code_name = 7, "PERMISSION_DENIED"


class AbortedError(ParleyError):
    code, code_name, retryable = 10, "ABORTED", True


class OutOfRangeError(ParleyError):
    code, code_name = 11, "OUT_OF_RANGE"


class UnimplementedError(ParleyError):
    code, code_name = 12, "UNIMPLEMENTED"


class UnauthenticatedError(ParleyError):
    code, code_name = 16, "UNAUTHENTICATED"


_BY_CODE = {
    1: CancelledError, 2: UnknownError, 3: InvalidArgumentError,
    4: DeadlineExceededError, 5: NotFoundError, 6: AlreadyExistsError,
    7: PermissionDeniedError, 8: PoolExhaustedError,
    9: FailedPreconditionError, 10: AbortedError, 11: OutOfRangeError,
    12: UnimplementedError, 13: InternalError, 14: UnavailableError,
    15: DataLossError, 16: UnauthenticatedError,
    100: CommitOutcomeUnknownError,
}

_LOCKED_MESSAGE = "Profile is locked and cannot be edited"


def error_for(code, message):
    """The exception for a non-OK code and its message (unchanged)."""
    if code == 9 and message == _LOCKED_MESSAGE:
        return ProfileLockedError(message)
    cls = _BY_CODE.get(code)
    if cls is None:
        return UnknownError(message, code)
    return cls(message)
