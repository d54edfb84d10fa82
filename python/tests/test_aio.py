"""parley.aio: the calls as coroutines; the event loop never stalls;
cancellation leaks nothing and never half-applies a write."""
import asyncio
import gc
import time

import pytest

import parley
import parley.aio
from parley import _aio_store


def run(coro):
    return asyncio.run(coro)


def test_async_calls_give_the_sync_results(url):
    async def main():
        async with parley.aio.open(url) as s:
            c = await s.create_conversation("c1", "u1", subscription_tier="monthly")
            assert c["expires_at"] is None
            assert await s.add_user_message("c1", "hi") is None
            await s.add_assistant_message("c1", [1], [2**64 + 1], {"f": 1.75},
                                          metadata={"m": -0.0})
            got = await s.get_conversation("c1")
            assert got["messages"][1]["stage2"] == [2**64 + 1]
            assert await s.toggle_conversation_starred("c1") is True
            assert await s.count_user_conversations(user_id="u1") == 1
            assert await s.get_active_conversations_count("u1") == 1
            assert [x["id"] for x in await s.list_conversations()] == ["c1"]
            assert await s.get_conversation("none") is None
            with pytest.raises(parley.NotFoundError, match="^Conversation x not found$"):
                await s.add_user_message("x", "y")
            p = await s.create_user_profile("u1", email="e@x", profile_data={})
            assert p["profile_locked"] is True
            with pytest.raises(parley.ProfileLockedError):
                await s.update_user_profile("u1", {"mood": "x"})
            await s.create_subscription("u1", tier="monthly")
            await s.update_subscription("u1", {"stripe_subscription_id": "sub_1"})
            s2 = await s.update_subscription_by_stripe_id("sub_1", {"status": "ok"})
            assert s2["status"] == "ok"
            assert await s.restore_all_expired_reports("u1") == 0
            with pytest.raises(TypeError):
                await s.update_conversation("c1", {"x": {1}})
            assert "x" not in await s.get_conversation("c1")
            await s.delete_conversation("c1")
        assert s.closed
    run(main())
    assert _aio_store.pending_calls() == 0


def _load(store_sync, n_convs):
    for i in range(n_convs):
        store_sync.create_conversation("r%d" % i, "u%d" % (i % 8))
        store_sync.add_user_message("r%d" % i, "x" * 300)
        store_sync.add_assistant_message("r%d" % i, [{"r": "y" * 800}] * 4,
                                         [{"k": "z" * 300}] * 4, {"r": "w" * 1000})


async def _ticker(stop, worst):
    interval = 0.001
    last = time.perf_counter()
    while not stop.is_set():
        await asyncio.sleep(interval)
        now = time.perf_counter()
        worst[0] = max(worst[0], now - last - interval)
        last = now


async def _measure(calls):
    stop = asyncio.Event()
    worst = [0.0]
    t = asyncio.ensure_future(_ticker(stop, worst))
    await asyncio.sleep(0.01)
    start = time.perf_counter()
    await asyncio.gather(*calls)
    elapsed = time.perf_counter() - start
    stop.set()
    await t
    return worst[0], elapsed


def test_event_loop_never_stalls(backend, url, capsys):
    with parley.open(url) as sync_store:
        _load(sync_store, 64)
        a = parley.aio.AsyncStore(sync_store._handle)

        async def aio_calls(i):
            # loads and reads
            await a.create_conversation("n%d" % i, "w%d" % i)
            for j in range(3):
                await a.add_user_message("n%d" % i, "q" * 300)
                await a.add_assistant_message("n%d" % i, [{"r": "y" * 800}] * 4,
                                              [], {"r": "w" * 1000})
            for j in range(4):
                await a.get_conversation("r%d" % ((i + j) % 64))
            await a.list_conversations("u%d" % (i % 8))

        async def sync_calls(i):
            # The seeds' bug: a blocking storage call inside a coroutine.
            s = sync_store
            s.create_conversation("m%d" % i, "v%d" % i)
            for j in range(3):
                s.add_user_message("m%d" % i, "q" * 300)
                await asyncio.sleep(0)
                s.add_assistant_message("m%d" % i, [{"r": "y" * 800}] * 4,
                                        [], {"r": "w" * 1000})
            for j in range(4):
                s.get_conversation("r%d" % ((i + j) % 64))
                await asyncio.sleep(0)
            s.list_conversations("u%d" % (i % 8))

        async def main():
            worst_async, t_async = await _measure([aio_calls(i) for i in range(64)])
            worst_sync, t_sync = await _measure([sync_calls(i) for i in range(64)])
            return worst_async, t_async, worst_sync, t_sync

        worst_async, t_async, worst_sync, t_sync = run(main())
    with capsys.disabled():
        print("\n[loop stall %s] 64 concurrent calls x 9: parley.aio worst "
              "loop delay %.1f ms (%.0f ms total); sync module in coroutines "
              "worst %.1f ms (%.0f ms total)" % (
                  backend, worst_async * 1e3, t_async * 1e3,
                  worst_sync * 1e3, t_sync * 1e3))
    # A generous bound, not a timing target: the loop only decodes results.
    assert worst_async < 0.25, worst_async


async def _pg_connections_async(app_name):
    import asyncpg
    from parley_test_urls import postgres_base_url
    c = await asyncpg.connect(postgres_base_url())
    try:
        return await c.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1",
            app_name)
    finally:
        await c.close()


def _pg_connections(app_name):
    return asyncio.run(_pg_connections_async(app_name))


def test_cancellation_leaks_nothing_and_never_half_applies(backend, url):
    n = 400
    app_name = None
    if backend == "postgresql":
        # Name the store's connections, to count them on the server after.
        app_name = "parley_cancel_%d" % id(url)
        url += "&application_name=" + app_name

    async def main():
        async with parley.aio.open(url, workers=4) as s:
            await s.create_conversation("c", "u1")
            tasks = []
            for i in range(n):
                if i % 2:
                    coro = s.add_user_message("c", "msg-%d" % i)
                else:
                    coro = s.create_conversation("k%d" % i, "u2")
                tasks.append(asyncio.ensure_future(coro))
                if i % 3 == 0:
                    await asyncio.sleep(0)
            # Cancel most of them at different points of their life.
            for i, t in enumerate(tasks):
                if i % 5 != 0:
                    t.cancel()
                if i % 7 == 0:
                    await asyncio.sleep(0)
            results = await asyncio.gather(*tasks, return_exceptions=True)
            cancelled = sum(isinstance(r, asyncio.CancelledError) for r in results)
            # Wait until every queued call has completed in C.
            for _ in range(1000):
                if _aio_store.pending_calls() == 0:
                    break
                await asyncio.sleep(0.01)
            assert _aio_store.pending_calls() == 0
            conv = await s.get_conversation("c")
            contents = [m["content"] for m in conv["messages"]]
            # Each write exactly once or not at all.
            assert len(contents) == len(set(contents))
            for i in range(1, n, 2):
                if not isinstance(results[i], asyncio.CancelledError):
                    assert "msg-%d" % i in contents
            for i in range(0, n, 2):
                got = await s.get_conversation("k%d" % i)
                if not isinstance(results[i], asyncio.CancelledError):
                    assert got is not None
                if got is not None:
                    assert got["messages"] == [] and got["user_id"] == "u2"
            # The pool is intact: a burst of calls still all succeed.
            burst = await asyncio.gather(*[s.count_user_conversations("u2")
                                           for _ in range(64)])
            assert len(set(burst)) == 1
            if app_name:
                # No more than the pool (5 + 10) and the pipeline (4) hold.
                held = await _pg_connections_async(app_name)
                assert 0 < held <= 19, held
            return cancelled
        # leaving the block closed the store after every queued call ran

    cancelled = run(main())
    assert cancelled > 0
    gc.collect()
    assert _aio_store.pending_calls() == 0
    if app_name:
        # Closed after the storm: the server sees none of its connections.
        for _ in range(100):
            if _pg_connections(app_name) == 0:
                break
            time.sleep(0.05)
        assert _pg_connections(app_name) == 0


def test_cancelled_before_start_never_queues(url):
    async def main():
        async with parley.aio.open(url) as s:
            t = asyncio.ensure_future(s.create_conversation("never", "u"))
            t.cancel()
            with pytest.raises(asyncio.CancelledError):
                await t
            assert await s.get_conversation("never") is None
    run(main())


def test_results_after_loop_closed_are_freed(url):
    # A loop that ends with calls in flight: the callbacks find the loop
    # closed and only free their results.
    with parley.open(url) as s:
        a = parley.aio.AsyncStore(s._handle)
        loop = asyncio.new_event_loop()
        for i in range(50):
            loop.run_until_complete(asyncio.sleep(0))
            fut = asyncio.ensure_future(a.create_conversation("z%d" % i, "u"),
                                        loop=loop)
            fut._log_destroy_pending = False   # left pending on purpose
            loop.run_until_complete(asyncio.sleep(0))
        loop.close()
        del fut
    assert _aio_store.pending_calls() == 0


def test_module_level_aio_uses_the_default_store(url):
    parley.aio.configure(url)
    try:
        async def main():
            await parley.aio.create_conversation("d1", "u1")
            assert (await parley.aio.get_conversation("d1"))["id"] == "d1"
        run(main())
        from parley import storage
        assert storage.get_conversation("d1")["id"] == "d1"
    finally:
        parley.aio.close()
