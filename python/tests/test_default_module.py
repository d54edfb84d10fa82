"""parley.storage as a drop-in: an application written against the original
module runs unchanged with DATABASE_URL unset (./data), sqlite:/// and
postgresql://, and configure() chooses explicitly."""
import json
import os
import subprocess
import sys

import pytest

from parley_test_urls import fresh_url

# What an application does with the original module: nothing but the import
# line differs.
APP = r'''
from parley import storage
import json, sys
storage.create_user_profile("u1", email="u1@x", profile_data={"gender": "f"})
storage.create_subscription("u1", tier="monthly")
c = storage.create_conversation("c1", "u1", subscription_tier="free")
storage.add_user_message("c1", "Hello")
storage.add_assistant_message("c1", [{"model": "a", "response": "b"}], [],
                              {"response": "c"}, metadata={"id": 2**64 + 1})
storage.update_conversation_title("c1", "Chat")
starred = storage.toggle_conversation_starred("c1")
storage.save_follow_up_answers("c1", {"q": "a"})
try:
    storage.add_user_message("ghost", "x")
except ValueError as e:
    missing = str(e)
out = {"starred": starred, "missing": missing,
       "conv": storage.get_conversation("c1"),
       "list": storage.list_conversations(user_id="u1"),
       "count": storage.count_user_conversations("u1"),
       "restored": storage.restore_all_expired_reports("u1"),
       "backend": storage.current().backend}
print(json.dumps(out))
'''


def run_app(cwd, database_url=None):
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    r = subprocess.run([sys.executable, "-c", APP], cwd=cwd, env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout)


def check(out):
    assert out["starred"] is True
    assert out["missing"] == "Conversation ghost not found"
    c = out["conv"]
    assert c["title"] == "Chat" and c["report_cycle"] == 1
    assert c["messages"][1]["metadata"] == {"id": 2**64 + 1}
    assert [s["id"] for s in out["list"]] == ["c1"]
    assert out["count"] == 1 and out["restored"] == 1


def test_unset_database_url_uses_the_json_store_in_dot_data(tmp_path):
    out = run_app(tmp_path)
    check(out)
    assert out["backend"] == "json"
    assert (tmp_path / "data" / "conversations" / "c1.json").exists()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_database_url_picks_the_backend(tmp_path, backend):
    url = fresh_url(backend, tmp_path)
    out = run_app(tmp_path, url)
    check(out)
    assert out["backend"] == backend
    assert not (tmp_path / "data").exists()


def test_configure_chooses_explicitly(tmp_path):
    from parley import storage
    url = fresh_url("sqlite", tmp_path)
    storage.configure(url)
    try:
        assert storage.current().backend == "sqlite"
        storage.create_conversation("x1", "u1")
        assert storage.get_conversation(conversation_id="x1")["id"] == "x1"
        storage.configure(fresh_url("json", tmp_path))
        assert storage.get_conversation("x1") is None
    finally:
        storage.close()


def test_configure_with_a_bad_url_raises_at_once():
    import parley
    from parley import storage
    with pytest.raises(parley.InvalidArgumentError):
        storage.configure("nosuch://x")
