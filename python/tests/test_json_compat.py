"""A JSON store written by CPython's own json.dump(obj, f, indent=2), as the
original module wrote it, read through parley; records written back are
byte-identical to what json.dump writes for the same dict."""
import json
import os

import parley


def dump(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)


def expected_bytes(obj):
    return json.dumps(obj, indent=2).encode()


def original_store(root):
    conv = {
        "id": "c1", "user_id": "u1", "created_at": "2025-12-04T10:11:12.123456",
        "title": "Caf\u00e9 \U0001F600", "starred": False,
        "messages": [
            {"role": "user", "content": "na\u00efve \u2713 \u65e5\u672c\u8a9e"},
            {"role": "assistant",
             "stage1": [{"model": "m/a", "response": "r"}],
             "stage2": [{"model": "m/a", "ranking": "1", "parsed_ranking": ["A"]}],
             "stage3": {"model": "m/c", "response": "final"},
             "metadata": {"request_id": 9007199254740993,
                          "aggregate_rankings": [{"average_rank": 1.75}],
                          "floats": [0.1, 1e-07, 1e+16, -0.0, 5e-324, 1e308],
                          "big": 2**64 + 1}}],
        "report_cycle": 0, "has_follow_up": False, "follow_up_answers": None,
        "is_visible": True, "expires_at": "2025-12-11T10:11:12.123456",
        "custom_key": {"z": 1, "a": [{}, []]},
    }
    profile = {"user_id": "u1", "email": "u1@example.com",
               "profile": {"gender": "f", "age_range": "25-34", "mood": "ok"},
               "created_at": "2025-12-04T10:11:12", "profile_locked": True}
    sub = {"user_id": "u1", "tier": "monthly", "status": "active",
           "stripe_subscription_id": "sub_1", "current_period_end": None,
           "created_at": "2025-12-04T10:11:12", "updated_at": "2025-12-04T10:11:12",
           "stripe_customer_id": "cus_1"}
    # The original's own nested layout.
    dump(os.path.join(root, "conversations", "c1.json"), conv)
    dump(os.path.join(root, "data", "profiles", "u1.json"), profile)
    dump(os.path.join(root, "data", "subscriptions", "u1.json"), sub)
    return conv, profile, sub


def test_store_written_by_json_dump_reads_back_equal(tmp_path):
    root = str(tmp_path / "data")
    conv, profile, sub = original_store(root)
    with parley.open("json:" + root) as s:
        got = s.get_conversation("c1")
        assert got == conv and list(got) == list(conv)
        assert repr(got["messages"][1]["metadata"]["floats"][3]) == "-0.0"
        assert s.get_user_profile("u1") == profile
        assert s.get_subscription("u1") == sub
        assert [c["id"] for c in s.list_conversations("u1")] == ["c1"]


def test_records_written_back_are_byte_identical_to_json_dump(tmp_path):
    root = str(tmp_path / "data")
    conv, profile, sub = original_store(root)
    path = os.path.join(root, "conversations", "c1.json")
    with parley.open("json:" + root) as s:
        # save_conversation of what was read: the same bytes.
        s.save_conversation(s.get_conversation("c1"))
        assert open(path, "rb").read() == expected_bytes(conv)
        # An update: the bytes json.dump writes for the updated dict.
        s.update_conversation("c1", {"title": "New \u00e9", "extra": 2**70})
        conv["title"] = "New \u00e9"
        conv["extra"] = 2**70
        assert open(path, "rb").read() == expected_bytes(conv)
        s.add_user_message("c1", "\U0001F600 more")
        conv["messages"].append({"role": "user", "content": "\U0001F600 more"})
        assert open(path, "rb").read() == expected_bytes(conv)
        # Subscriptions are written where they were found (data/data/...).
        got = s.update_subscription("u1", {"status": "cancelled"})
        sub_path = os.path.join(root, "data", "subscriptions", "u1.json")
        assert open(sub_path, "rb").read() == expected_bytes(got)
        assert not os.path.exists(os.path.join(root, "subscriptions"))


def test_new_records_are_written_as_json_dump_would(tmp_path):
    root = str(tmp_path / "data")
    with parley.open("json:" + root) as s:
        c = s.create_conversation("n1", "u1")
        s.add_assistant_message("n1", [{"x": 1.75}], [], {"r": "\u00e9"},
                                {"request_id": 2**53 + 1})
        c["messages"].append({"role": "assistant", "stage1": [{"x": 1.75}],
                              "stage2": [], "stage3": {"r": "\u00e9"},
                              "metadata": {"request_id": 2**53 + 1}})
        data = open(os.path.join(root, "conversations", "n1.json"), "rb").read()
        assert data == expected_bytes(c)
        assert json.loads(data) == s.get_conversation("n1")
