#!/usr/bin/env python3
"""Writes tests/testdata/golden/: a store in the original module's format.

Run once by hand (python3 make_golden.py); the files are committed. Records
are written exactly as the original storage module wrote them, with
json.dump(obj, f, indent=2), in the nested layout a deployed application has:
golden/conversations/, golden/data/profiles/, golden/data/subscriptions/.
One conversation is written by "another tool": raw UTF-8 and a trailing
newline.
"""
import json
import os

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden")


def dump(path, obj, raw_utf8=False):
    full = os.path.join(ROOT, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w", encoding="utf-8") as f:
        if raw_utf8:
            json.dump(obj, f, indent=2, ensure_ascii=False)
            f.write("\n")
        else:
            json.dump(obj, f, indent=2)


stage1 = [
    {"model": "openai/gpt-5", "response": "Le caf\u00e9 est pr\u00eat. \u2713"},
    {"model": "google/gemini", "response": "\u65e5\u672c\u8a9e \U0001F600 \"quoted\"\nline two\ttab"},
]
stage2 = [
    {"model": "openai/gpt-5", "ranking": "FINAL RANKING:\n1. Response B\n2. Response A",
     "parsed_ranking": ["Response B", "Response A"]},
]
stage3 = {"model": "anthropic/claude", "response": "Synth\u00e8se: \u00e7a marche."}
metadata = {
    "label_to_model": {"Response A": "openai/gpt-5", "Response B": "google/gemini"},
    "aggregate_rankings": [
        {"model": "google/gemini", "average_rank": 1.75, "rankings_count": 4},
        {"model": "openai/gpt-5", "average_rank": 0.30000000000000004, "rankings_count": 4},
    ],
    "request_id": 9007199254740993,
    "tiny": 1e-07,
    "huge": 1e16,
    "negative_zero": -0.0,
    "empty_string": "",
    "empty_list": [],
    "empty_object": {},
    "nothing": None,
}

dump("conversations/3f2b8c1e-7a4d-4e2b-9c1a-5d6e7f809a1b.json", {
    "id": "3f2b8c1e-7a4d-4e2b-9c1a-5d6e7f809a1b",
    "user_id": "user_a",
    "created_at": "2025-12-04T10:11:12.123456",
    "title": "Pourquoi le ciel est bleu ?",
    "starred": True,
    "messages": [
        {"role": "user", "content": "Pourquoi le ciel est bleu ? \u2600"},
        {"role": "assistant", "stage1": stage1, "stage2": stage2,
         "stage3": stage3, "metadata": metadata},
        {"role": "user", "content": ""},
        {"role": "assistant", "stage1": [], "stage2": [], "stage3": {}},
    ],
    "report_cycle": 1,
    "has_follow_up": True,
    "follow_up_answers": {"q1": "oui", "q2": ["a", "b"], "score": 7},
    "is_visible": True,
    "expires_at": None,
})

dump("conversations/0a1b2c3d-0000-4000-8000-000000000001.json", {
    "id": "0a1b2c3d-0000-4000-8000-000000000001",
    "user_id": "user_a",
    "created_at": "2025-12-05T08:00:00",
    "title": "New Conversation",
    "starred": False,
    "messages": [],
    "report_cycle": 0,
    "has_follow_up": False,
    "follow_up_answers": None,
    "is_visible": False,
    "expires_at": "2025-12-12T08:00:00",
})

# An older record: no is_visible / expires_at, keys added later by
# update_conversation (appended at the end, as a dict does).
dump("conversations/legacy-conversation-0001.json", {
    "id": "legacy-conversation-0001",
    "user_id": "user_c",
    "created_at": "2025-06-01T12:00:00.000001",
    "title": "Old",
    "starred": False,
    "messages": [{"role": "user", "content": "hello", "client": "ios"}],
    "report_cycle": 0,
    "has_follow_up": False,
    "follow_up_answers": None,
    "shared_with": ["user_b"],
    "feedback": {"rating": 5, "weight": 1.0},
})

# Written by another tool: raw UTF-8 and a trailing newline.
dump("conversations/raw-utf8-conversation.json", {
    "id": "raw-utf8-conversation",
    "user_id": "user_b",
    "created_at": "2025-12-06T09:30:00.5",
    "title": "Ça va? 日本語 😀",
    "starred": False,
    "messages": [{"role": "user", "content": "naïve café ✓ 😀"}],
    "report_cycle": 0,
    "has_follow_up": False,
    "follow_up_answers": None,
    "is_visible": True,
    "expires_at": "2025-12-13T09:30:00.5",
}, raw_utf8=True)

dump("data/profiles/user_a.json", {
    "user_id": "user_a",
    "email": "user_a@example.com",
    "profile": {"gender": "female", "age_range": "25-34", "mood": "curious"},
    "created_at": "2025-12-01T00:00:00",
    "profile_locked": True,
})
dump("data/profiles/user_b.json", {
    "user_id": "user_b",
    "email": "unknown@clerk.local",
    "profile": {"gender": "male", "age_range": "35-44", "mood": "tired",
                "timezone": "Europe/Paris"},
    "created_at": "2025-12-02T01:02:03.000004",
    "profile_locked": False,
})
dump("data/subscriptions/user_a.json", {
    "user_id": "user_a",
    "tier": "monthly",
    "status": "active",
    "stripe_subscription_id": "sub_000001",
    "current_period_end": "2026-01-01T00:00:00",
    "created_at": "2025-12-01T00:00:00",
    "updated_at": "2025-12-03T04:05:06.070809",
    "stripe_customer_id": "cus_000001",
})
# user_c has a subscription and a conversation but never made a profile.
dump("data/subscriptions/user_c.json", {
    "user_id": "user_c",
    "tier": "free",
    "status": "active",
    "stripe_subscription_id": None,
    "current_period_end": None,
    "created_at": "2025-06-01T12:00:00",
    "updated_at": "2025-06-01T12:00:00",
})
