"""Values the original's store could hold, through Python, on every backend
(API.md "Values a store of the original can hold"). Some of these need the
core's value-fidelity fix (lone surrogates as WTF-8 in and "\\udc80" escapes
out; NaN/Infinity and U+0000 on PostgreSQL; create_user_profile building
exactly {gender, age_range, mood}; Python truthiness in toggle, restore and
report_cycle) and fail on a core without it."""
import json
import math

import pytest


def test_nan_and_infinity_in_payloads(store):
    store.create_conversation("c1", "u1")
    vals = [float("nan"), float("inf"), float("-inf"), {"x": float("nan")}]
    store.add_assistant_message("c1", vals, [], {"i": float("inf")},
                                {"n": float("-inf")})
    store.update_conversation("c1", {"custom": float("nan")})
    c = store.get_conversation("c1")
    m = c["messages"][0]
    assert math.isnan(m["stage1"][0]) and m["stage1"][1] == math.inf
    assert m["stage1"][2] == -math.inf and math.isnan(m["stage1"][3]["x"])
    assert m["stage3"] == {"i": math.inf} and m["metadata"] == {"n": -math.inf}
    assert math.isnan(c["custom"])


@pytest.mark.parametrize("text", ["\0", "a\0b", "\0\x01\x1f"])
def test_nul_in_every_string_field(store, text):
    store.create_conversation("c1", "u1")
    store.add_user_message("c1", text)
    store.update_conversation_title("c1", text)
    store.add_assistant_message("c1", [text], [], {text: text})
    c = store.get_conversation("c1")
    assert c["messages"][0]["content"] == text and c["title"] == text
    assert c["messages"][1]["stage1"] == [text]
    assert c["messages"][1]["stage3"] == {text: text}
    p = store.create_user_profile("u1", "e" + text, {"mood": text})
    assert p["email"] == "e" + text and p["profile"]["mood"] == text
    s = store.create_subscription("u1", "t" + text)
    assert s["tier"] == "t" + text
    s = store.update_subscription("u1", {"status": text})
    assert store.get_subscription("u1")["status"] == text


@pytest.mark.parametrize("text", ["\udc80", "a\ud800", "\udfffz\ud83d"])
def test_lone_surrogates_round_trip(store, text):
    store.create_conversation("c1", "u1")
    store.add_user_message("c1", text)            # WTF-8 text argument
    store.update_conversation_title("c1", text)
    store.add_assistant_message("c1", [text], [], {"k": text})  # \\u escapes
    store.update_conversation("c1", {text: text})
    c = store.get_conversation("c1")
    assert c["messages"][0]["content"] == text
    assert c["title"] == text
    assert c["messages"][1]["stage1"] == [text]
    assert c["messages"][1]["stage3"] == {"k": text}
    assert c[text] == text
    # As the original's json.dump/json.load round trip gives.
    assert json.loads(json.dumps(c)) == c


def test_create_user_profile_keeps_exactly_three_keys(store):
    p = store.create_user_profile("u1", "e@x", {"mood": "m", "extra": 1,
                                                "gender": "f"})
    assert p["profile"] == {"gender": "f", "age_range": None, "mood": "m"}
    assert list(p["profile"]) == ["gender", "age_range", "mood"]
    assert store.get_user_profile("u1")["profile"] == p["profile"]
    p = store.create_user_profile("u2", "e@x", {})
    assert p["profile"] == {"gender": None, "age_range": None, "mood": None}


@pytest.mark.parametrize("stored,new", [(1, False), (0, True), ("", True),
                                        ("x", False), (None, True), ([], True),
                                        ([0], False), (0.0, True)])
def test_toggle_uses_python_truthiness(store, stored, new):
    store.create_conversation("c1", "u1")
    store.update_conversation("c1", {"starred": stored})
    assert store.toggle_conversation_starred("c1") is new
    assert store.get_conversation("c1")["starred"] is new


def test_toggle_of_a_record_without_starred(store):
    store.save_conversation({"id": "c1", "user_id": "u1",
                             "created_at": "2025-01-01T00:00:00"})
    assert store.toggle_conversation_starred("c1") is True


@pytest.mark.parametrize("visible,expires,restored", [
    (0, None, True), (None, None, True), ("", None, True), (False, None, True),
    ([], None, True), (1, None, False), ("yes", None, False),
    (True, "", False), (True, 0, False), (True, "2000-01-01T00:00:00", True)])
def test_restore_uses_python_truthiness(store, visible, expires, restored):
    store.create_conversation("c1", "u1", "monthly")
    store.update_conversation("c1", {"is_visible": visible,
                                     "expires_at": expires})
    assert store.restore_all_expired_reports("u1") == (1 if restored else 0)
    c = store.get_conversation("c1")
    if restored:
        assert c["is_visible"] is True and c["expires_at"] is None
    else:
        assert c["is_visible"] == visible and c["expires_at"] == expires
        assert type(c["is_visible"]) is type(visible)


@pytest.mark.parametrize("cycle,after", [(0, 1), (2.0, 3.0), (2**64, 2**64 + 1),
                                         (-1, 0), (1.5, 2.5), (True, 2)])
def test_report_cycle_adds_one_as_python_does(store, cycle, after):
    store.create_conversation("c1", "u1")
    store.update_conversation("c1", {"report_cycle": cycle})
    store.save_follow_up_answers("c1", {"a": 1})
    got = store.get_conversation("c1")["report_cycle"]
    assert got == after and type(got) is type(after)


def test_report_cycle_missing_counts_from_zero(store):
    store.save_conversation({"id": "c1", "user_id": "u1",
                             "created_at": "2025-01-01T00:00:00"})
    store.save_follow_up_answers("c1", None)
    c = store.get_conversation("c1")
    assert c["report_cycle"] == 1 and c["has_follow_up"] is True
