"""The original's exceptions; TypeError for values json cannot serialize,
with the store unchanged; nothing passed crashes the interpreter."""
import subprocess
import sys

import pytest

import parley


class Opaque:
    pass


UNSERIALIZABLE = [{1, 2}, Opaque(), b"bytes", {"k": {"nested": {3}}},
                  [1, 2, object()], {(1, 2): "tuple key"}, 1j]


def snapshot(store):
    return (store.list_conversations(), store.get_conversation("c1"),
            store.get_user_profile("u1"), store.get_subscription("u1"))


@pytest.mark.parametrize("bad", UNSERIALIZABLE, ids=lambda v: type(v).__name__)
def test_unserializable_is_type_error_and_changes_nothing(store, bad):
    store.create_conversation("c1", "u1")
    store.add_user_message("c1", "before")
    store.create_user_profile("u1", "e@x", {"mood": "m"})
    store.create_subscription("u1", "monthly")
    before = snapshot(store)
    calls = [
        lambda: store.add_assistant_message("c1", [], [], {"ok": 1}, bad),
        lambda: store.add_assistant_message("c1", bad, [], {}),
        lambda: store.add_assistant_message("c1", [], [], {"x": bad}),
        lambda: store.update_conversation("c1", {"title": "t", "bad": bad}),
        lambda: store.update_conversation_title("c1", bad),
        lambda: store.save_follow_up_answers("c1", bad),
        lambda: store.save_conversation({"id": "c1", "messages": [bad]}),
        lambda: store.create_user_profile("u1", "e@x", {"mood": bad}),
        lambda: store.update_user_profile("u1", {"mood": bad}),
        lambda: store.update_subscription("u1", {"tier": bad}),
        lambda: store.update_subscription_by_stripe_id("sub", {"x": bad}),
    ]
    for call in calls:
        with pytest.raises(TypeError):
            call()
    assert snapshot(store) == before


@pytest.mark.parametrize("bad", [None, 5, b"c1", 1.5, ["c1"], {"id": "c1"}],
                         ids=repr)
def test_ids_that_are_not_str_are_type_errors(store, bad):
    store.create_conversation("c1", "u1")
    for call in (lambda: store.get_conversation(bad),
                 lambda: store.add_user_message(bad, "x"),
                 lambda: store.add_user_message("c1", bad),
                 lambda: store.delete_conversation(bad),
                 lambda: store.create_subscription("u1", bad),
                 lambda: store.update_subscription_by_stripe_id(bad, {}),
                 lambda: store.count_user_conversations(bad)):
        with pytest.raises(TypeError):
            call()
    assert store.get_conversation("c1")["messages"] == []
    assert store.get_subscription("u1") is None


def test_circular_payload_is_refused_before_writing(store):
    store.create_conversation("c1", "u1")
    loop = []
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular"):
        store.update_conversation("c1", {"x": loop})
    assert "x" not in store.get_conversation("c1")


def test_payloads_the_call_cannot_take_are_invalid_argument(store):
    store.create_conversation("c1", "u1")
    for call in (lambda: store.update_conversation("c1", [1, 2]),
                 lambda: store.update_conversation("c1", "text"),
                 lambda: store.update_subscription("u1", 5)):
        with pytest.raises((parley.InvalidArgumentError, parley.NotFoundError)):
            call()
    with pytest.raises(parley.InvalidArgumentError):
        store.update_conversation("c1", None)


def test_surrogates_in_ids_never_crash(store):
    # A lone surrogate is sent as WTF-8; the store either takes it or says
    # InvalidArgument, never a crash.
    for cid in ("\udc80", "a\ud800b", "\ud83d\ude00"):
        try:
            store.create_conversation(cid, "u1")
            assert store.get_conversation(cid)["id"] == cid
        except parley.InvalidArgumentError:
            pass


def test_hostile_inputs_do_not_crash_the_interpreter(tmp_path):
    # In a child, so a crash shows as a signal, not as a dead test run.
    code = r'''
import sys, parley
s = parley.open("json:%s")
vals = [None, 0, -1, 2**200, 1e308, float("nan"), "", "\0", "\udfff" * 3,
        "x" * 100000, b"\xff", bytearray(b"x"), [], {}, [[[[[]]]]] * 3,
        {"a": [1] * 10000}, object(), {1, 2}, True, "..", "/etc/passwd"]
import parley._calls as C, inspect
for name in C.NAMES:
    n = len(inspect.signature(C.PREP[name]).parameters)
    for v in vals:
        for i in range(n):
            args = ["c1"] * n
            args[i] = v
            try:
                getattr(s, name)(*args)
            except (TypeError, ValueError, parley.ParleyError, RecursionError):
                pass
s.close()
print("survived")
''' % (tmp_path / "data")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip() == "survived"


def test_error_classes_are_documented_and_mapped():
    from parley import _errors
    for code, cls in _errors._BY_CODE.items():
        e = _errors.error_for(code, "m")
        assert type(e) is cls and isinstance(e, parley.ParleyError)
        assert e.code == code and str(e) == "m"
    assert isinstance(_errors.error_for(9, "Profile is locked and cannot be edited"),
                      parley.ProfileLockedError)
    assert type(_errors.error_for(9, "store closed")) is parley.FailedPreconditionError
    assert parley.UnavailableError.retryable and parley.PoolExhaustedError.retryable
    assert not parley.CommitOutcomeUnknownError.retryable
    assert isinstance(_errors.error_for(12345, "odd"), parley.ParleyError)
    for cls in (parley.NotFoundError, parley.ProfileLockedError,
                parley.InvalidArgumentError):
        assert issubclass(cls, ValueError)
