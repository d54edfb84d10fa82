"""The systems the Python benchmark compares, each with the calls the council
workload makes:
  - Parley through parley.aio (coroutines) and parley.storage (threads);
  - the seeds' stack: SQLAlchemy 1.4 async sessions (asyncpg, aiosqlite) on
    the rewrite's four tables (API.md), one AsyncSession per call, commit,
    rollback on error, pool 5 + 10, pool_pre_ping;
  - on JSON, a plain per-call json.dump module written the way the original
    was.
"""
import datetime
import json
import os
import uuid


def utcnow():
    return datetime.datetime.utcnow()


# ---- the original's JSON module ------------------------------------------
class JsonModule:
    """One file per record, read and rewritten with json.dump(indent=2) on
    every call, as the original storage module did."""

    def __init__(self, root):
        self.conv = os.path.join(root, "conversations")
        self.prof = os.path.join(root, "data", "profiles")
        self.subs = os.path.join(root, "data", "subscriptions")
        for d in (self.conv, self.prof, self.subs):
            os.makedirs(d, exist_ok=True)

    torn_reads = 0   # scans that met a file another thread was rewriting

    @staticmethod
    def _load(path):
        if not os.path.exists(path):
            return None
        with open(path) as f:
            return json.load(f)

    def _scan(self, folder):
        """Every record of `folder`, as the original listed them; a file
        caught half-written by another thread (open("w") truncates first:
        the original's race) is skipped and counted."""
        out = []
        for name in os.listdir(folder):
            try:
                rec = self._load(os.path.join(folder, name))
            except ValueError:
                JsonModule.torn_reads += 1
                continue
            if rec is not None:
                out.append((os.path.join(folder, name), rec))
        return out

    @staticmethod
    def _save(path, obj):
        with open(path, "w") as f:
            json.dump(obj, f, indent=2)

    def _cp(self, cid):
        return os.path.join(self.conv, cid + ".json")

    def create_user_profile(self, user_id, email, profile_data):
        p = {"user_id": user_id, "email": email or "unknown@clerk.local",
             "profile": {"gender": profile_data.get("gender"),
                         "age_range": profile_data.get("age_range"),
                         "mood": profile_data.get("mood")},
             "created_at": utcnow().isoformat(), "profile_locked": True}
        self._save(os.path.join(self.prof, user_id + ".json"), p)
        return p

    def create_subscription(self, user_id, tier="free"):
        now = utcnow().isoformat()
        s = {"user_id": user_id, "tier": tier, "status": "active",
             "stripe_subscription_id": None, "current_period_end": None,
             "created_at": now, "updated_at": now}
        self._save(os.path.join(self.subs, user_id + ".json"), s)
        return s

    def update_subscription(self, user_id, data):
        path = os.path.join(self.subs, user_id + ".json")
        s = self._load(path)
        if s is None:
            raise ValueError("Subscription for user %s not found" % user_id)
        s.update(data)
        s["updated_at"] = utcnow().isoformat()
        self._save(path, s)
        return s

    def update_subscription_by_stripe_id(self, stripe_subscription_id, data):
        for _, s in self._scan(self.subs):
            if s.get("stripe_subscription_id") == stripe_subscription_id:
                return self.update_subscription(s["user_id"], data)
        return None

    def create_conversation(self, conversation_id, user_id,
                            subscription_tier="free"):
        now = utcnow()
        c = {"id": conversation_id, "user_id": user_id,
             "created_at": now.isoformat(), "title": "New Conversation",
             "starred": False, "messages": [], "report_cycle": 0,
             "has_follow_up": False, "follow_up_answers": None,
             "is_visible": True,
             "expires_at": (now + datetime.timedelta(days=7)).isoformat()
             if subscription_tier == "free" else None}
        self._save(self._cp(conversation_id), c)
        return c

    def get_conversation(self, conversation_id):
        return self._load(self._cp(conversation_id))

    def _edit(self, cid, fn):
        c = self.get_conversation(cid)
        if c is None:
            raise ValueError("Conversation %s not found" % cid)
        out = fn(c)
        self._save(self._cp(cid), c)
        return out

    def add_user_message(self, cid, content):
        self._edit(cid, lambda c: c["messages"].append(
            {"role": "user", "content": content}))

    def add_assistant_message(self, cid, stage1, stage2, stage3, metadata=None):
        m = {"role": "assistant", "stage1": stage1, "stage2": stage2,
             "stage3": stage3}
        if metadata:
            m["metadata"] = metadata
        self._edit(cid, lambda c: c["messages"].append(m))

    def update_conversation_title(self, cid, title):
        self._edit(cid, lambda c: c.__setitem__("title", title))

    def toggle_conversation_starred(self, cid):
        def flip(c):
            c["starred"] = not c.get("starred", False)
            return c["starred"]
        return self._edit(cid, flip)

    def save_follow_up_answers(self, cid, answers):
        def f(c):
            c["follow_up_answers"] = answers
            c["has_follow_up"] = True
            c["report_cycle"] = c.get("report_cycle", 0) + 1
        self._edit(cid, f)

    def list_conversations(self, user_id=None):
        out = []
        for _, c in self._scan(self.conv):
            if user_id and c.get("user_id") != user_id:
                continue
            out.append({"id": c["id"], "created_at": c["created_at"],
                        "title": c.get("title", "New Conversation"),
                        "starred": c.get("starred", False),
                        "message_count": len(c["messages"]),
                        "expires_at": c.get("expires_at"),
                        "is_visible": c.get("is_visible", True)})
        out.sort(key=lambda s: s["created_at"], reverse=True)
        return out

    def restore_all_expired_reports(self, user_id):
        n = 0
        for path, c in self._scan(self.conv):
            if c.get("user_id") == user_id and (
                    c.get("expires_at") or not c.get("is_visible", True)):
                c["is_visible"] = True
                c["expires_at"] = None
                self._save(path, c)
                n += 1
        return n

    def count_user_conversations(self, user_id):
        return sum(1 for s in self.list_conversations(user_id))

    def get_active_conversations_count(self, user_id):
        now = utcnow().isoformat()
        return sum(1 for s in self.list_conversations(user_id)
                   if not s["expires_at"] or s["expires_at"] > now)

    def delete_conversation(self, cid):
        try:
            os.remove(self._cp(cid))
        except FileNotFoundError:
            pass


# ---- the seeds' SQLAlchemy rewrite ---------------------------------------
def make_sqlalchemy(url, schema=None):
    """(store, dispose coroutine factory) for a SQLAlchemy async URL."""
    from sqlalchemy import (JSON, Boolean, Column, DateTime, ForeignKey,
                            Index, Integer, String, Text, delete, func,
                            or_, select, update)
    from sqlalchemy.ext.asyncio import (AsyncSession, create_async_engine)
    from sqlalchemy.orm import declarative_base, relationship, selectinload, sessionmaker
    from sqlalchemy.pool import AsyncAdaptedQueuePool

    Base = declarative_base()

    class User(Base):
        __tablename__ = "users"
        user_id = Column(String(255), primary_key=True)
        email = Column(String(255))
        gender = Column(String(50))
        age_range = Column(String(50))
        mood = Column(String(50))
        profile_locked = Column(Boolean, default=True)
        created_at = Column(DateTime, default=utcnow)
        updated_at = Column(DateTime, default=utcnow, onupdate=utcnow)

    class Subscription(Base):
        __tablename__ = "subscriptions"
        user_id = Column(String(255), ForeignKey("users.user_id", ondelete="CASCADE"),
                         primary_key=True)
        tier = Column(String(50), default="free")
        status = Column(String(50), default="active")
        stripe_customer_id = Column(String(255), index=True)
        stripe_subscription_id = Column(String(255), index=True)
        current_period_end = Column(DateTime)
        created_at = Column(DateTime, default=utcnow)
        updated_at = Column(DateTime, default=utcnow, onupdate=utcnow)

    class Conversation(Base):
        __tablename__ = "conversations"
        id = Column(String(36), primary_key=True)
        user_id = Column(String(255), ForeignKey("users.user_id"), nullable=False)
        title = Column(String(500), nullable=True)
        starred = Column(Boolean, default=False)
        expires_at = Column(DateTime, nullable=True)
        report_cycle = Column(Integer, default=1)
        has_follow_up = Column(Boolean, default=False)
        follow_up_answers = Column(Text)
        created_at = Column(DateTime, default=utcnow)
        updated_at = Column(DateTime, default=utcnow, onupdate=utcnow)
        messages = relationship("Message", cascade="all, delete-orphan",
                                order_by="Message.created_at")
        __table_args__ = (Index("ix_conv_user_created", "user_id", "created_at"),
                          Index("ix_conv_user_starred", "user_id", "starred"))

    class Message(Base):
        __tablename__ = "messages"
        id = Column(String(36), primary_key=True)
        conversation_id = Column(String(36), ForeignKey(
            "conversations.id", ondelete="CASCADE"))
        role = Column(String(20))
        content = Column(Text)
        stage1 = Column(JSON)
        stage2 = Column(JSON)
        stage3 = Column(JSON)
        metadata_ = Column("metadata", JSON)
        created_at = Column(DateTime, default=utcnow)
        __table_args__ = (Index("ix_msg_conv_created", "conversation_id",
                                "created_at"),)

    connect_args = {}
    if url.startswith("sqlite"):
        connect_args = {"timeout": 30}
    elif schema:
        connect_args = {"server_settings": {"search_path": schema}}
    engine = create_async_engine(url, poolclass=AsyncAdaptedQueuePool,
                                 pool_size=5, max_overflow=10,
                                 pool_pre_ping=True, connect_args=connect_args)
    Session = sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)

    def conv_dict(c):
        return {"id": c.id, "user_id": c.user_id,
                "created_at": c.created_at.isoformat(),
                "title": c.title or "New Conversation", "starred": c.starred,
                "messages": [msg_dict(m) for m in c.messages],
                "report_cycle": c.report_cycle,
                "has_follow_up": c.has_follow_up,
                "follow_up_answers": json.loads(c.follow_up_answers)
                if c.follow_up_answers else None,
                "expires_at": c.expires_at.isoformat() if c.expires_at else None}

    def msg_dict(m):
        if m.role == "user":
            return {"role": "user", "content": m.content}
        d = {"role": "assistant", "stage1": m.stage1, "stage2": m.stage2,
             "stage3": m.stage3}
        if m.metadata_:
            d["metadata"] = m.metadata_
        return d

    def sub_dict(s):
        return {"user_id": s.user_id, "tier": s.tier, "status": s.status,
                "stripe_customer_id": s.stripe_customer_id,
                "stripe_subscription_id": s.stripe_subscription_id,
                "current_period_end": s.current_period_end.isoformat()
                if s.current_period_end else None,
                "created_at": s.created_at.isoformat(),
                "updated_at": s.updated_at.isoformat()}

    class Store:
        async def setup(self):
            async with engine.begin() as conn:
                await conn.run_sync(Base.metadata.create_all)

        async def dispose(self):
            await engine.dispose()

        async def _tx(self, fn):
            async with Session() as s:
                try:
                    out = await fn(s)
                    await s.commit()
                    return out
                except Exception:
                    await s.rollback()
                    raise

        async def create_user_profile(self, user_id, email, profile_data):
            async def f(s):
                u = User(user_id=user_id, email=email or "unknown@clerk.local",
                         gender=profile_data.get("gender"),
                         age_range=profile_data.get("age_range"),
                         mood=profile_data.get("mood"), profile_locked=True)
                s.add(u)
                await s.flush()
                return {"user_id": user_id}
            return await self._tx(f)

        async def create_subscription(self, user_id, tier="free"):
            async def f(s):
                sub = Subscription(user_id=user_id, tier=tier, status="active")
                s.add(sub)
                await s.flush()
                return sub_dict(sub)
            return await self._tx(f)

        async def _update_sub(self, s, sub, data):
            for k, v in data.items():
                if k == "current_period_end" and isinstance(v, str):
                    v = datetime.datetime.fromisoformat(v)
                if hasattr(sub, k):
                    setattr(sub, k, v)
            sub.updated_at = utcnow()
            await s.flush()
            return sub_dict(sub)

        async def update_subscription(self, user_id, data):
            async def f(s):
                sub = await s.get(Subscription, user_id)
                if sub is None:
                    raise ValueError("Subscription for user %s not found" % user_id)
                return await self._update_sub(s, sub, data)
            return await self._tx(f)

        async def update_subscription_by_stripe_id(self, stripe_id, data):
            async def f(s):
                r = await s.execute(select(Subscription).where(
                    Subscription.stripe_subscription_id == stripe_id))
                sub = r.scalars().first()
                if sub is None:
                    return None
                return await self._update_sub(s, sub, data)
            return await self._tx(f)

        async def create_conversation(self, conversation_id, user_id,
                                      subscription_tier="free"):
            async def f(s):
                now = utcnow()
                c = Conversation(id=conversation_id, user_id=user_id,
                                 title=None, starred=False, report_cycle=1,
                                 has_follow_up=False, created_at=now,
                                 expires_at=now + datetime.timedelta(days=7)
                                 if subscription_tier == "free" else None)
                s.add(c)
                await s.flush()
                return {"id": c.id, "user_id": user_id,
                        "created_at": now.isoformat(),
                        "title": "New Conversation", "starred": False,
                        "messages": []}
            return await self._tx(f)

        async def get_conversation(self, conversation_id):
            async with Session() as s:
                r = await s.execute(select(Conversation).options(
                    selectinload(Conversation.messages)).where(
                    Conversation.id == conversation_id))
                c = r.scalars().first()
                return conv_dict(c) if c else None

        async def _need(self, s, cid):
            c = await s.get(Conversation, cid)
            if c is None:
                raise ValueError("Conversation %s not found" % cid)
            return c

        async def add_user_message(self, cid, content):
            async def f(s):
                await self._need(s, cid)
                s.add(Message(id=str(uuid.uuid4()), conversation_id=cid,
                              role="user", content=content))
            await self._tx(f)

        async def add_assistant_message(self, cid, stage1, stage2, stage3,
                                        metadata=None):
            async def f(s):
                await self._need(s, cid)
                s.add(Message(id=str(uuid.uuid4()), conversation_id=cid,
                              role="assistant", stage1=stage1, stage2=stage2,
                              stage3=stage3, metadata_=metadata))
            await self._tx(f)

        async def update_conversation_title(self, cid, title):
            async def f(s):
                c = await self._need(s, cid)
                c.title = title
            await self._tx(f)

        async def toggle_conversation_starred(self, cid):
            async def f(s):
                c = await self._need(s, cid)
                c.starred = not c.starred
                return c.starred
            return await self._tx(f)

        async def save_follow_up_answers(self, cid, answers):
            async def f(s):
                c = await self._need(s, cid)
                c.follow_up_answers = json.dumps(answers)
                c.has_follow_up = True
                c.report_cycle = 2
            await self._tx(f)

        async def list_conversations(self, user_id=None):
            async with Session() as s:
                counts = select(Message.conversation_id,
                                func.count(Message.id).label("n")).group_by(
                    Message.conversation_id).subquery()
                q = select(Conversation, counts.c.n).outerjoin(
                    counts, counts.c.conversation_id == Conversation.id)
                if user_id:
                    q = q.where(Conversation.user_id == user_id)
                q = q.order_by(Conversation.created_at.desc())
                rows = (await s.execute(q)).all()
                return [{"id": c.id, "created_at": c.created_at.isoformat(),
                         "title": c.title or "New Conversation",
                         "starred": c.starred, "message_count": n or 0,
                         "expires_at": c.expires_at.isoformat()
                         if c.expires_at else None} for c, n in rows]

        async def restore_all_expired_reports(self, user_id):
            async def f(s):
                r = await s.execute(update(Conversation).where(
                    Conversation.user_id == user_id,
                    Conversation.expires_at.isnot(None)).values(expires_at=None))
                return r.rowcount
            return await self._tx(f)

        async def count_user_conversations(self, user_id):
            async with Session() as s:
                r = await s.execute(select(func.count(Conversation.id)).where(
                    Conversation.user_id == user_id))
                return r.scalar()

        async def get_active_conversations_count(self, user_id):
            async with Session() as s:
                r = await s.execute(select(func.count(Conversation.id)).where(
                    Conversation.user_id == user_id,
                    or_(Conversation.expires_at.is_(None),
                        Conversation.expires_at > utcnow())))
                return r.scalar()

        async def delete_conversation(self, cid):
            async def f(s):
                await s.execute(delete(Message).where(
                    Message.conversation_id == cid))
                await s.execute(delete(Conversation).where(
                    Conversation.id == cid))
            await self._tx(f)

    return Store()
