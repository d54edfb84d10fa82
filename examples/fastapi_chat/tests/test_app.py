"""The example app through FastAPI's TestClient, on every backend."""


def make_user(client, user_id="u1"):
    r = client.post("/api/profile", json={"user_id": user_id,
                                          "email": user_id + "@example.com",
                                          "gender": "f", "mood": "curious"})
    assert r.status_code == 201, r.text
    return r.json()


def test_profile_lifecycle(client):
    p = make_user(client)
    assert p["profile"]["gender"] == "f" and p["profile_locked"] is True
    assert client.get("/api/profile/u1").json() == p
    r = client.patch("/api/profile/u1", json={"mood": "x"})
    assert r.status_code == 403
    assert r.json() == {"detail": "Profile is locked and cannot be edited"}
    r = client.patch("/api/profile/ghost", json={"mood": "x"})
    assert r.status_code == 404
    assert r.json() == {"detail": "Profile for user ghost not found"}
    assert client.get("/api/subscriptions/u1").json()["tier"] == "free"


def test_conversation_and_messages(client):
    make_user(client)
    conv = client.post("/api/conversations", json={"user_id": "u1"}).json()
    cid = conv["id"]
    assert conv["expires_at"] is not None          # free tier
    r = client.post("/api/conversations/%s/messages" % cid,
                    json={"content": "Hello caf\u00e9 \U0001F600"})
    assert r.status_code == 200, r.text
    assert r.json()["metadata"]["aggregate_rankings"][0]["average_rank"] == 1.75
    got = client.get("/api/conversations/" + cid).json()
    assert [m["role"] for m in got["messages"]] == ["user", "assistant"]
    assert got["messages"][0]["content"] == "Hello caf\u00e9 \U0001F600"
    assert got["title"] == "Hello caf\u00e9 \U0001F600"
    assert client.post("/api/conversations/%s/star" % cid).json() == {"starred": True}
    client.patch("/api/conversations/%s/title" % cid, json={"title": "T"})
    listed = client.get("/api/conversations", params={"user_id": "u1"}).json()
    assert [(c["id"], c["title"], c["message_count"]) for c in listed] == \
        [(cid, "T", 2)]
    f = client.post("/api/conversations/%s/follow-up" % cid,
                    json={"q1": "yes"}).json()
    assert f["has_follow_up"] is True and f["report_cycle"] == 1
    assert client.get("/api/users/u1/stats").json() == {"conversations": 1,
                                                        "active": 1}
    assert client.delete("/api/conversations/" + cid).status_code == 204
    assert client.get("/api/conversations/" + cid).status_code == 404


def test_missing_conversation_is_404_with_the_original_message(client):
    r = client.post("/api/conversations/nope/messages", json={"content": "x"})
    assert r.status_code == 404
    assert r.json() == {"detail": "Conversation nope not found"}


def test_subscription_webhook(client):
    make_user(client)
    conv = client.post("/api/conversations", json={"user_id": "u1"}).json()
    r = client.post("/api/webhooks/stripe", json={
        "type": "checkout.session.completed",
        "data": {"object": {"client_reference_id": "u1", "price": "price_yearly",
                            "customer": "cus_1", "subscription": "sub_1"}}})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["subscription"]["tier"] == "yearly" and body["restored"] == 1
    got = client.get("/api/conversations/" + conv["id"]).json()
    assert got["expires_at"] is None and got["is_visible"] is True
    r = client.post("/api/webhooks/stripe", json={
        "type": "customer.subscription.deleted", "data": {"object": {"id": "sub_1"}}})
    assert r.json()["subscription"]["status"] == "cancelled"
    r = client.post("/api/webhooks/stripe", json={
        "type": "customer.subscription.updated",
        "data": {"object": {"id": "sub_1", "status": "active",
                            "current_period_end": "2026-01-01T00:00:00"}}})
    s = r.json()["subscription"]
    assert s["status"] == "active" and s["current_period_end"] == "2026-01-01T00:00:00"
    assert s["stripe_customer_id"] == "cus_1"
    r = client.post("/api/webhooks/stripe", json={
        "type": "customer.subscription.updated", "data": {"object": {"id": "sub_x"}}})
    assert r.json() == {"ignored": "unknown subscription"}
    # A paid user's new conversations do not expire.
    conv2 = client.post("/api/conversations", json={"user_id": "u1"}).json()
    assert conv2["expires_at"] is None


def test_concurrent_requests(client):
    make_user(client)
    cid = client.post("/api/conversations", json={"user_id": "u1"}).json()["id"]
    import concurrent.futures
    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        codes = list(ex.map(lambda i: client.post(
            "/api/conversations/%s/messages" % cid,
            json={"content": "m%d" % i}).status_code, range(16)))
    assert codes == [200] * 16
    msgs = client.get("/api/conversations/" + cid).json()["messages"]
    assert sorted(m["content"] for m in msgs if m["role"] == "user") == \
        sorted("m%d" % i for i in range(16))
