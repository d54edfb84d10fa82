"""Exact values through every backend: what goes in comes back, with the
types and key order the original module's json round trip gave."""
import json
import math

import pytest

import parley

NUMBERS = [2**53 + 1, 2**64 + 1, -(2**64) - 7, 10**40, 0, -1, 1.75, 0.1,
           1e-07, 1e+16, -0.0, 5e-324, 1e308, 2.0, 123456789.123456789]
TEXTS = ["caf\u00e9", "na\u00efve \u2713", "\u65e5\u672c\u8a9e",
         "\U0001F600\U0001F468\u200d\U0001F469", "tab\tnew\nline\"q\\",
         "\x01\x1f\x7f", "", " "]


def same(a, b):
    """Equality that also tells -0.0 from 0.0, 1 from 1.0 and True from 1."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b and math.copysign(1, a) == math.copysign(1, b) \
            or (math.isnan(a) and math.isnan(b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def payload():
    return {"numbers": NUMBERS, "texts": TEXTS,
            "nested": {"z": {"y": 1, "b": [{"k2": 2, "k1": 1}]}, "a": None},
            "empties": [{}, [], ""], "bools": [True, False, None],
            "empty_obj": {}, "empty_list": []}


def test_numbers_round_trip_exactly(store):
    store.create_conversation("c1", "u1")
    store.add_assistant_message("c1", NUMBERS, [NUMBERS], {"n": NUMBERS},
                                {"n": NUMBERS})
    m = store.get_conversation("c1")["messages"][0]
    for got in (m["stage1"], m["stage2"][0], m["stage3"]["n"],
                m["metadata"]["n"]):
        assert same(got, NUMBERS), got
    assert type(m["stage1"][0]) is int and m["stage1"][0] == 9007199254740993
    assert m["stage1"][1] == 18446744073709551617
    assert repr(m["stage1"][10]) == "-0.0"
    assert [repr(x) for x in m["stage1"]] == [repr(x) for x in NUMBERS]


def test_payloads_round_trip_with_key_order(store):
    store.create_conversation("c1", "u1")
    p = payload()
    store.add_assistant_message("c1", [p], [], p, p)
    store.save_follow_up_answers("c1", p)
    c = store.get_conversation("c1")
    m = c["messages"][0]
    assert same(m["stage1"], [p]) and same(m["stage3"], p)
    assert same(m["metadata"], p) and same(c["follow_up_answers"], p)
    assert same(m["stage2"], [])


@pytest.mark.parametrize("text", TEXTS)
def test_texts_round_trip(store, text):
    store.create_conversation("c1", "u1")
    store.add_user_message("c1", text)
    store.update_conversation_title("c1", text)
    c = store.get_conversation("c1")
    assert c["messages"][0]["content"] == text
    assert c["title"] == text


def test_non_ascii_ids_and_fields(store):
    cid = "conv-\u00e9\U0001F600"
    uid = "user-\u65e5\u672c"
    store.create_conversation(cid, uid)
    assert store.get_conversation(cid)["user_id"] == uid
    assert [s["id"] for s in store.list_conversations(uid)] == [cid]
    p = store.create_user_profile(uid, "\u00e9@x.fr", {"gender": "\u2640"})
    assert p["email"] == "\u00e9@x.fr" and p["profile"]["gender"] == "\u2640"
    assert store.create_subscription(uid, "t\u00efer")["tier"] == "t\u00efer"


def test_unknown_keys_through_every_update_function(store):
    store.create_conversation("c1", "u1")
    store.update_conversation("c1", {"zeta": {"b": 2**70, "a": 0.1},
                                     "alpha": [-0.0]})
    c = store.get_conversation("c1")
    assert list(c)[-2:] == ["zeta", "alpha"]
    assert same(c["zeta"], {"b": 2**70, "a": 0.1}) and same(c["alpha"], [-0.0])
    summaries = store.list_conversations("u1")
    assert "zeta" not in summaries[0]

    store.create_subscription("u1")
    s = store.update_subscription("u1", {"stripe_customer_id": "cus_1",
                                         "custom": {"x": [1e308, 5e-324]}})
    assert same(s["custom"], {"x": [1e308, 5e-324]})
    s = store.update_subscription("u1", {"stripe_subscription_id": "sub_9"})
    s = store.update_subscription_by_stripe_id("sub_9", {"more": 2**64 + 1})
    assert s["more"] == 2**64 + 1 and s["stripe_customer_id"] == "cus_1"
    assert same(store.get_subscription("u1")["custom"], {"x": [1e308, 5e-324]})


def test_save_conversation_keeps_odd_types_of_known_keys(store):
    rec = {"id": "c1", "user_id": "u1", "created_at": "2025-12-04T10:11:12",
           "title": None, "starred": 1, "messages": [{"role": "user"}],
           "report_cycle": 2.0, "is_visible": 0, "expires_at": None}
    store.save_conversation(rec)
    got = store.get_conversation("c1")
    assert same(got, rec)


def test_save_conversation_refuses_messages_that_are_not_objects(store):
    # Appends and counts need message objects on every backend (README,
    # "Differences from the original"): refused up front, nothing stored.
    for messages in (["text", 5, None], "text", None):
        rec = {"id": "c2", "user_id": "u1", "messages": messages}
        with pytest.raises(parley.InvalidArgumentError, match="messages"):
            store.save_conversation(rec)
        assert store.get_conversation("c2") is None


def test_empty_containers(store):
    store.create_conversation("c1", "u1")
    store.add_assistant_message("c1", [], [], {}, {})
    store.save_follow_up_answers("c1", {})
    store.update_conversation("c1", {})
    c = store.get_conversation("c1")
    m = c["messages"][0]
    assert same(m["stage1"], []) and same(m["stage3"], {})
    assert same(c["follow_up_answers"], {})


def test_what_comes_back_equals_the_json_round_trip(store):
    # The original returned json.load of what json.dump wrote.
    store.create_conversation("c1", "u1")
    p = payload()
    store.add_assistant_message("c1", p, p, p)
    expect = json.loads(json.dumps(p))
    m = store.get_conversation("c1")["messages"][0]
    assert same(m["stage1"], expect)
