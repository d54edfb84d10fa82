"""The conformance cases (tests/backend_conformance.cc) through the Python
API, on json, sqlite and postgresql."""
import datetime
import inspect
import re

import pytest

import parley
from parley import storage

TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?$")


def parse_ts(s):
    return datetime.datetime.fromisoformat(s)


def test_create_conversation_has_contract_defaults(store):
    c = store.create_conversation("c1", "u1")
    assert list(c) == ["id", "user_id", "created_at", "title", "starred",
                       "messages", "report_cycle", "has_follow_up",
                       "follow_up_answers", "is_visible", "expires_at"]
    assert c["id"] == "c1" and c["user_id"] == "u1"
    assert c["title"] == "New Conversation"
    assert c["starred"] is False and c["messages"] == []
    assert c["report_cycle"] == 0 and type(c["report_cycle"]) is int
    assert c["has_follow_up"] is False and c["follow_up_answers"] is None
    assert c["is_visible"] is True
    assert TS.match(c["created_at"]) and TS.match(c["expires_at"])
    assert parse_ts(c["expires_at"]) - parse_ts(c["created_at"]) == \
        datetime.timedelta(days=7)
    assert store.get_conversation("c1") == c


def test_paid_tier_conversation_does_not_expire(store):
    assert store.create_conversation("c1", "u1", "monthly")["expires_at"] is None
    assert store.create_conversation(
        "c2", "u1", subscription_tier="yearly")["expires_at"] is None
    # A tier that is not a str is only "not free", as in the original.
    assert store.create_conversation("c3", "u1", None)["expires_at"] is None


def test_create_existing_conversation_is_already_exists(store):
    store.create_conversation("c1", "u1")
    store.add_user_message("c1", "keep me")
    with pytest.raises(parley.AlreadyExistsError):
        store.create_conversation("c1", "u2")
    c = store.get_conversation("c1")
    assert c["user_id"] == "u1" and len(c["messages"]) == 1


def test_get_missing_is_none(store):
    assert store.get_conversation("nope") is None
    assert store.get_user_profile("nope") is None
    assert store.get_subscription("nope") is None


def test_messages_keep_their_order(store):
    store.create_conversation("c1", "u1")
    for i in range(5):
        assert store.add_user_message("c1", "m%d" % i) is None
        assert store.add_assistant_message("c1", [i], [], {"i": i}) is None
    msgs = store.get_conversation("c1")["messages"]
    assert [m.get("content") for m in msgs[::2]] == ["m%d" % i for i in range(5)]
    assert [m["stage3"]["i"] for m in msgs[1::2]] == list(range(5))
    assert msgs[0] == {"role": "user", "content": "m0"}
    assert list(msgs[1]) == ["role", "stage1", "stage2", "stage3"]


def test_assistant_payloads_round_trip_exactly(store):
    store.create_conversation("c1", "u1")
    stage1 = [{"model": "m/a", "response": "Hello \u00e9 \u65e5\u672c \U0001F600"}]
    stage2 = [{"model": "m/a", "ranking": "1. A", "parsed_ranking": ["A", "B"]}]
    stage3 = {"model": "m/c", "response": "final"}
    meta = {"label_to_model": {"Response A": "m/a"}, "request_id": 2**53 + 1,
            "aggregate_rankings": [{"model": "m/a", "average_rank": 1.75,
                                    "rankings_count": 4}]}
    store.add_assistant_message("c1", stage1, stage2, stage3, meta)
    store.add_assistant_message("c1", stage1, stage2, stage3, metadata=None)
    m1, m2 = store.get_conversation("c1")["messages"]
    assert m1 == {"role": "assistant", "stage1": stage1, "stage2": stage2,
                  "stage3": stage3, "metadata": meta}
    assert list(m1) == ["role", "stage1", "stage2", "stage3", "metadata"]
    assert "metadata" not in m2


def test_append_to_missing_conversation_is_not_found(store):
    with pytest.raises(parley.NotFoundError) as e:
        store.add_user_message("ghost", "hi")
    assert str(e.value) == "Conversation ghost not found"
    assert isinstance(e.value, ValueError)
    with pytest.raises(ValueError, match="^Conversation ghost not found$"):
        store.add_assistant_message("ghost", [], [], {})
    assert store.get_conversation("ghost") is None


def test_list_is_newest_first_and_filters_by_user(store):
    for i, user in enumerate(["u1", "u2", "u1"]):
        store.create_conversation("c%d" % i, user)
        store.update_conversation("c%d" % i, {
            "created_at": "2025-01-0%dT00:00:00" % (i + 1)})
    store.add_user_message("c2", "x")
    got = store.list_conversations("u1")
    assert [s["id"] for s in got] == ["c2", "c0"]
    assert list(got[0]) == ["id", "created_at", "title", "starred",
                            "message_count", "expires_at", "is_visible"]
    assert got[0]["message_count"] == 1
    assert [s["id"] for s in store.list_conversations()] == ["c2", "c1", "c0"]
    assert [s["id"] for s in store.list_conversations(user_id="")] == \
        ["c2", "c1", "c0"]
    assert store.list_conversations("nobody") == []


def test_update_conversation_is_a_shallow_merge(store):
    store.create_conversation("c1", "u1")
    assert store.update_conversation("c1", {
        "title": "T", "custom": {"b": 1, "a": [2, {"z": None}]}}) is None
    c = store.get_conversation("c1")
    assert c["title"] == "T" and c["custom"] == {"b": 1, "a": [2, {"z": None}]}
    assert list(c["custom"]) == ["b", "a"]
    store.update_conversation("c1", {"custom": 5})
    assert store.get_conversation("c1")["custom"] == 5
    assert list(store.get_conversation("c1"))[-1] == "custom"


def test_update_errors(store):
    for call in (lambda: store.update_conversation("x", {"a": 1}),
                 lambda: store.update_conversation_title("x", "t"),
                 lambda: store.toggle_conversation_starred("x"),
                 lambda: store.save_follow_up_answers("x", {})):
        with pytest.raises(parley.NotFoundError, match="^Conversation x not found$"):
            call()


def test_title_and_toggle(store):
    store.create_conversation("c1", "u1")
    assert store.update_conversation_title("c1", "Hello") is None
    assert store.get_conversation("c1")["title"] == "Hello"
    assert store.toggle_conversation_starred("c1") is True
    assert store.get_conversation("c1")["starred"] is True
    assert store.toggle_conversation_starred("c1") is False


def test_non_str_title_is_stored_as_given(store):
    store.create_conversation("c1", "u1")
    store.update_conversation_title("c1", None)
    assert store.get_conversation("c1")["title"] is None
    store.update_conversation_title("c1", 2**70)
    assert store.get_conversation("c1")["title"] == 2**70
    with pytest.raises(parley.NotFoundError):
        store.update_conversation_title("zz", 5)


def test_follow_up_answers_set_flags_and_add_one_to_the_cycle(store):
    store.create_conversation("c1", "u1")
    store.save_follow_up_answers("c1", {"q1": "yes", "n": [1, 2]})
    c = store.get_conversation("c1")
    assert c["follow_up_answers"] == {"q1": "yes", "n": [1, 2]}
    assert c["has_follow_up"] is True and c["report_cycle"] == 1
    store.save_follow_up_answers("c1", None)
    c = store.get_conversation("c1")
    assert c["report_cycle"] == 2 and c["follow_up_answers"] is None


def test_delete_removes_and_unknown_id_is_not_an_error(store):
    store.create_conversation("c1", "u1")
    store.add_user_message("c1", "x")
    assert store.delete_conversation("c1") is None
    assert store.get_conversation("c1") is None
    assert store.delete_conversation("c1") is None
    assert store.delete_conversation("never") is None
    assert store.count_user_conversations("u1") == 0


def test_save_conversation_stores_the_whole_record_as_given(store):
    rec = {"id": "s1", "user_id": "u9", "created_at": "2025-12-04T10:11:12",
           "title": "Saved", "starred": True,
           "messages": [{"role": "user", "content": "hi"},
                        {"role": "assistant", "stage1": [], "stage2": [],
                         "stage3": {"response": "ok"}}],
           "report_cycle": 3, "has_follow_up": True,
           "follow_up_answers": {"a": 1}, "is_visible": False,
           "expires_at": None, "extra_key": {"kept": True}}
    assert store.save_conversation(rec) is None
    assert store.get_conversation("s1") == rec
    assert list(store.get_conversation("s1")) == list(rec)
    rec["title"] = "Again"
    rec["messages"] = []
    store.save_conversation(rec)
    assert store.get_conversation("s1") == rec


def test_save_conversation_rejects_malformed(store):
    with pytest.raises(parley.InvalidArgumentError):
        store.save_conversation({"title": "no id"})
    with pytest.raises(ValueError):
        store.save_conversation([1, 2])
    assert store.list_conversations() == []


def test_restore_all_expired_reports_only_touches_that_user(store):
    store.create_conversation("a1", "u1")             # free: expires
    store.create_conversation("a2", "u1", "monthly")
    store.update_conversation("a2", {"is_visible": False})
    store.create_conversation("a3", "u1", "monthly")  # untouched
    store.create_conversation("b1", "u2")
    assert store.restore_all_expired_reports("u1") == 2
    for cid in ("a1", "a2"):
        c = store.get_conversation(cid)
        assert c["is_visible"] is True and c["expires_at"] is None
    assert store.get_conversation("b1")["expires_at"] is not None
    assert store.restore_all_expired_reports(user_id="u1") == 0


def test_active_count_excludes_expired(store):
    store.create_conversation("c1", "u1")
    store.create_conversation("c2", "u1", "monthly")
    store.create_conversation("c3", "u1")
    store.update_conversation("c3", {"expires_at": "2000-01-01T00:00:00"})
    assert store.count_user_conversations("u1") == 3
    assert store.get_active_conversations_count("u1") == 2
    assert store.count_user_conversations(user_id="nobody") == 0


def test_profile_defaults_and_lock(store):
    p = store.create_user_profile("u1", None, {"gender": "f", "age_range": "25-34",
                                               "mood": "ok"})
    assert list(p) == ["user_id", "email", "profile", "created_at",
                       "profile_locked"]
    assert p["email"] == "unknown@clerk.local"
    assert p["profile"] == {"gender": "f", "age_range": "25-34", "mood": "ok"}
    assert p["profile_locked"] is True and TS.match(p["created_at"])
    assert store.get_user_profile("u1") == p
    with pytest.raises(parley.ProfileLockedError) as e:
        store.update_user_profile("u1", {"mood": "x"})
    assert str(e.value) == "Profile is locked and cannot be edited"
    assert isinstance(e.value, ValueError)
    with pytest.raises(parley.NotFoundError) as e:
        store.update_user_profile("ghost", {"mood": "x"})
    assert str(e.value) == "Profile for user ghost not found"
    p2 = store.create_user_profile(user_id="u2", email="a@b.c",
                                   profile_data={"mood": "m"})
    assert p2["email"] == "a@b.c"
    assert p2["profile"]["mood"] == "m"


def test_subscription_defaults_and_merge(store):
    s = store.create_subscription("u1")
    assert list(s) == ["user_id", "tier", "status", "stripe_subscription_id",
                       "current_period_end", "created_at", "updated_at"]
    assert s["tier"] == "free" and s["status"] == "active"
    assert s["stripe_subscription_id"] is None
    assert store.create_subscription("u2", tier="monthly")["tier"] == "monthly"
    u = store.update_subscription("u1", {"tier": "yearly",
                                         "stripe_customer_id": "cus_1"})
    assert u["tier"] == "yearly" and u["stripe_customer_id"] == "cus_1"
    assert u["created_at"] == s["created_at"] and TS.match(u["updated_at"])
    assert store.get_subscription("u1") == u
    with pytest.raises(parley.NotFoundError) as e:
        store.update_subscription("ghost", {})
    assert str(e.value) == "Subscription for user ghost not found"


def test_update_by_stripe_id_finds_the_right_subscription(store):
    for i in range(3):
        store.create_subscription("u%d" % i, "monthly")
        store.update_subscription("u%d" % i, {
            "stripe_subscription_id": "sub_%d" % i})
    got = store.update_subscription_by_stripe_id("sub_1", {"status": "cancelled"})
    assert got["user_id"] == "u1" and got["status"] == "cancelled"
    assert store.get_subscription("u0")["status"] == "active"
    assert store.update_subscription_by_stripe_id(
        stripe_subscription_id="sub_nope", data={"status": "x"}) is None


@pytest.mark.parametrize("bad", ["", "..", ".hidden", "a/b", "a\\b", "a\0b",
                                 "x" * 251])
def test_ids_that_could_escape_are_refused_and_change_nothing(store, bad):
    with pytest.raises(parley.InvalidArgumentError):
        store.create_conversation(bad, "u1")
    with pytest.raises(ValueError):
        store.create_subscription(bad)
    assert store.list_conversations() == []


def test_quotes_and_sql_metacharacters_are_just_text(store):
    cid = "c'; DROP TABLE conversations; --"
    store.create_conversation(cid, "u'\"%_")
    store.add_user_message(cid, "'); DELETE FROM messages; --")
    assert store.get_conversation(cid)["messages"][0]["content"] == \
        "'); DELETE FROM messages; --"
    assert [s["id"] for s in store.list_conversations("u'\"%_")] == [cid]
    assert store.list_conversations("u%") == []


def test_reopened_store_has_everything(url):
    with parley.open(url) as s:
        s.create_conversation("c1", "u1")
        s.add_user_message("c1", "persist")
        s.create_user_profile("u1", "e@x", {})
        s.create_subscription("u1", "yearly")
    with parley.open(url) as s:
        assert s.get_conversation("c1")["messages"][0]["content"] == "persist"
        assert s.get_user_profile("u1")["email"] == "e@x"
        assert s.get_subscription("u1")["tier"] == "yearly"


def test_store_is_a_context_manager_and_refuses_calls_when_closed(url):
    with parley.open(url) as s:
        assert s.backend in ("json", "sqlite", "postgresql")
        assert "closed" not in repr(s)
    assert s.closed
    with pytest.raises(parley.FailedPreconditionError):
        s.get_conversation("c1")
    s.close()   # twice is fine


def test_errors_never_show_the_password():
    bad = "postgresql://bob:CANARY-pw-7731@127.0.0.1:1/nodb?connect_timeout=1"
    with pytest.raises(parley.ParleyError) as e:
        parley.open(bad)
    assert "CANARY" not in str(e.value)
    assert isinstance(e.value, parley.UnavailableError)
    assert e.value.retryable


def test_malformed_url_is_invalid_argument():
    with pytest.raises(parley.InvalidArgumentError):
        parley.open("mysql://x/y")


# The same signatures as the original module (API.md).
ORIGINAL = {
    "create_conversation": "(conversation_id, user_id, subscription_tier='free')",
    "get_conversation": "(conversation_id)",
    "save_conversation": "(conversation)",
    "list_conversations": "(user_id=None)",
    "add_user_message": "(conversation_id, content)",
    "add_assistant_message": "(conversation_id, stage1, stage2, stage3, metadata=None)",
    "update_conversation": "(conversation_id, updates)",
    "update_conversation_title": "(conversation_id, title)",
    "toggle_conversation_starred": "(conversation_id)",
    "delete_conversation": "(conversation_id)",
    "save_follow_up_answers": "(conversation_id, follow_up_answers)",
    "create_user_profile": "(user_id, email, profile_data)",
    "get_user_profile": "(user_id)",
    "update_user_profile": "(user_id, profile_data)",
    "create_subscription": "(user_id, tier='free')",
    "get_subscription": "(user_id)",
    "update_subscription": "(user_id, data)",
    "update_subscription_by_stripe_id": "(stripe_subscription_id, data)",
    "restore_all_expired_reports": "(user_id)",
    "count_user_conversations": "(user_id)",
    "get_active_conversations_count": "(user_id)",
}


def test_signatures_are_the_originals():
    import parley.aio
    assert len(ORIGINAL) == 21
    for name, sig in ORIGINAL.items():
        assert str(inspect.signature(getattr(storage, name))) == sig, name
        assert str(inspect.signature(getattr(parley.aio, name))) == sig, name
        assert inspect.iscoroutinefunction(getattr(parley.aio, name)), name
        m = getattr(parley.Store, name)
        assert str(inspect.signature(m)) == "(self, " + sig[1:], name
        a = getattr(parley.aio.AsyncStore, name)
        assert str(inspect.signature(a)) == "(self, " + sig[1:], name


def test_wrong_argument_counts_are_python_type_errors(store):
    with pytest.raises(TypeError):
        store.get_conversation()
    with pytest.raises(TypeError):
        store.create_conversation("c1", "u1", "free", "extra")
    with pytest.raises(TypeError):
        store.create_subscription("u1", tir="free")
