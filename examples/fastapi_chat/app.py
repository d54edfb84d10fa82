"""A small chat API on parley.aio: profiles, conversations, messages and a
Stripe-style subscription webhook. The store is DATABASE_URL (json:data when
it is unset; sqlite:///chat.db; postgresql://...), nothing else changes.

    DATABASE_URL=sqlite:///chat.db uvicorn app:app

Every storage call is awaited: it runs on Parley's own threads and the event
loop keeps serving other requests meanwhile.
"""
import uuid
from typing import Any, Dict, List, Optional

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

import parley
import parley.aio as storage

app = FastAPI(title="Parley chat example")


# ---- errors: the original's ValueErrors, and the store's own -------------
@app.exception_handler(parley.NotFoundError)
async def _not_found(request: Request, e: parley.NotFoundError):
    return JSONResponse(status_code=404, content={"detail": str(e)})


@app.exception_handler(parley.ProfileLockedError)
async def _locked(request: Request, e: parley.ProfileLockedError):
    return JSONResponse(status_code=403, content={"detail": str(e)})


@app.exception_handler(parley.AlreadyExistsError)
async def _exists(request: Request, e: parley.AlreadyExistsError):
    return JSONResponse(status_code=409, content={"detail": str(e)})


@app.exception_handler(parley.InvalidArgumentError)
async def _invalid(request: Request, e: parley.InvalidArgumentError):
    return JSONResponse(status_code=400, content={"detail": str(e)})


@app.exception_handler(parley.ParleyError)
async def _store_error(request: Request, e: parley.ParleyError):
    # Unavailable / pool exhausted: the client may retry; a commit whose
    # outcome is unknown: it should read back first.
    headers = {"Retry-After": "1"} if e.retryable else {}
    return JSONResponse(status_code=503, headers=headers,
                        content={"detail": "storage: " + e.code_name})


# ---- profiles ------------------------------------------------------------
class ProfileIn(BaseModel):
    user_id: str
    email: Optional[str] = None
    gender: Optional[str] = None
    age_range: Optional[str] = None
    mood: Optional[str] = None


@app.post("/api/profile", status_code=201)
async def create_profile(body: ProfileIn):
    data = {"gender": body.gender, "age_range": body.age_range,
            "mood": body.mood}
    profile = await storage.create_user_profile(body.user_id, body.email, data)
    if await storage.get_subscription(body.user_id) is None:
        await storage.create_subscription(body.user_id, tier="free")
    return profile


@app.get("/api/profile/{user_id}")
async def get_profile(user_id: str):
    profile = await storage.get_user_profile(user_id)
    if profile is None:
        raise HTTPException(404, "Profile for user %s not found" % user_id)
    return profile


@app.patch("/api/profile/{user_id}")
async def update_profile(user_id: str, body: Dict[str, Any]):
    return await storage.update_user_profile(user_id, body)


# ---- conversations -------------------------------------------------------
class ConversationIn(BaseModel):
    user_id: str


@app.post("/api/conversations", status_code=201)
async def create_conversation(body: ConversationIn):
    sub = await storage.get_subscription(body.user_id)
    tier = sub["tier"] if sub else "free"
    return await storage.create_conversation(str(uuid.uuid4()), body.user_id,
                                             subscription_tier=tier)


@app.get("/api/conversations")
async def list_conversations(user_id: Optional[str] = None):
    return await storage.list_conversations(user_id=user_id)


@app.get("/api/conversations/{conversation_id}")
async def get_conversation(conversation_id: str):
    conv = await storage.get_conversation(conversation_id)
    if conv is None:
        raise HTTPException(404, "Conversation %s not found" % conversation_id)
    return conv


class MessageIn(BaseModel):
    content: str


def council_answer(question: str):
    """Stands in for the three-stage model council the real app calls."""
    models = ["model/a", "model/b", "model/c"]
    stage1 = [{"model": m, "response": "%s thinks about: %s" % (m, question)}
              for m in models]
    stage2 = [{"model": m, "ranking": "1. Response A",
               "parsed_ranking": ["Response A", "Response B", "Response C"]}
              for m in models]
    stage3 = {"model": "model/chair", "response": "The council's answer."}
    metadata = {"label_to_model": {"Response A": "model/a",
                                   "Response B": "model/b"},
                "aggregate_rankings": [{"model": "model/a",
                                        "average_rank": 1.75,
                                        "rankings_count": 3}]}
    return stage1, stage2, stage3, metadata


@app.post("/api/conversations/{conversation_id}/messages")
async def send_message(conversation_id: str, body: MessageIn):
    await storage.add_user_message(conversation_id, body.content)
    stage1, stage2, stage3, metadata = council_answer(body.content)
    await storage.add_assistant_message(conversation_id, stage1, stage2,
                                        stage3, metadata)
    conv = await storage.get_conversation(conversation_id)
    if conv["title"] == "New Conversation":
        await storage.update_conversation_title(conversation_id,
                                                body.content[:50])
    return {"role": "assistant", "stage1": stage1, "stage2": stage2,
            "stage3": stage3, "metadata": metadata}


class TitleIn(BaseModel):
    title: str


@app.patch("/api/conversations/{conversation_id}/title")
async def set_title(conversation_id: str, body: TitleIn):
    await storage.update_conversation_title(conversation_id, body.title)
    return {"title": body.title}


@app.post("/api/conversations/{conversation_id}/star")
async def star(conversation_id: str):
    return {"starred": await storage.toggle_conversation_starred(
        conversation_id)}


@app.post("/api/conversations/{conversation_id}/follow-up")
async def follow_up(conversation_id: str, answers: Dict[str, Any]):
    await storage.save_follow_up_answers(conversation_id, answers)
    return await storage.get_conversation(conversation_id)


@app.delete("/api/conversations/{conversation_id}", status_code=204)
async def delete_conversation(conversation_id: str):
    await storage.delete_conversation(conversation_id)


@app.get("/api/users/{user_id}/stats")
async def stats(user_id: str):
    return {"conversations": await storage.count_user_conversations(user_id),
            "active": await storage.get_active_conversations_count(user_id)}


# ---- subscriptions -------------------------------------------------------
@app.get("/api/subscriptions/{user_id}")
async def get_subscription(user_id: str):
    sub = await storage.get_subscription(user_id)
    if sub is None:
        raise HTTPException(404, "Subscription for user %s not found" % user_id)
    return sub


PAID = {"price_monthly": "monthly", "price_yearly": "yearly",
        "price_single": "single_report"}


@app.post("/api/webhooks/stripe")
async def stripe_webhook(event: Dict[str, Any]):
    """Stripe-style events (signature checking left out of the example):
    checkout.session.completed links a user to a Stripe subscription,
    customer.subscription.updated / .deleted change its status."""
    kind = event.get("type")
    obj = event.get("data", {}).get("object", {})
    if kind == "checkout.session.completed":
        user_id = obj["client_reference_id"]
        tier = PAID.get(obj.get("price"), "monthly")
        sub = await storage.update_subscription(user_id, {
            "tier": tier, "status": "active",
            "stripe_customer_id": obj.get("customer"),
            "stripe_subscription_id": obj.get("subscription")})
        restored = await storage.restore_all_expired_reports(user_id)
        return {"subscription": sub, "restored": restored}
    if kind in ("customer.subscription.updated",
                "customer.subscription.deleted"):
        status = "cancelled" if kind.endswith("deleted") else obj.get(
            "status", "active")
        sub = await storage.update_subscription_by_stripe_id(obj["id"], {
            "status": status,
            "current_period_end": obj.get("current_period_end")})
        if sub is None:
            return {"ignored": "unknown subscription"}
        restored = 0
        if status == "active":
            restored = await storage.restore_all_expired_reports(sub["user_id"])
        return {"subscription": sub, "restored": restored}
    return {"ignored": kind}
