"""The council workload (WORKLOAD.md) from Python: parley.aio and
parley.storage against the seeds' SQLAlchemy async stack on SQLite and
PostgreSQL, and against a plain json.dump module on JSON, at W workers.

  bash bench/python/run.sh [--users 40 --conversations 5 --exchanges 2]

Prints one line per phase, system and backend (ops/s, p50/p99), the ratio
of Parley to the baseline per phase, and the binding's cost per call.
"""
import argparse
import asyncio
import concurrent.futures
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import parley            # noqa: E402
import parley.aio        # noqa: E402
from systems import JsonModule, make_sqlalchemy  # noqa: E402
from workload import Workload  # noqa: E402

PHASES = ["load", "edit", "read", "billing", "count", "delete"]
PERIOD_END = "2026-12-31T00:00:00"


def phase_calls(phase, users):
    """The calls of `phase` for one worker's users: (name, args) in order."""
    out = []
    if phase == "load":
        for u in users:
            out.append(("create_user_profile", (u["user_id"], u["email"], u["profile"])))
            out.append(("create_subscription", (u["user_id"], u["tier"])))
            if u["stripe_subscription_id"]:
                out.append(("update_subscription", (u["user_id"], {
                    "stripe_customer_id": u["stripe_customer_id"],
                    "stripe_subscription_id": u["stripe_subscription_id"]})))
            for c in u["conversations"]:
                out.append(("create_conversation", (c["id"], u["user_id"], u["tier"])))
                for q, s1, s2, s3, meta in c["exchanges"]:
                    out.append(("add_user_message", (c["id"], q)))
                    out.append(("add_assistant_message", (c["id"], s1, s2, s3, meta)))
    elif phase == "edit":
        k = 0
        for u in users:
            for c in u["conversations"]:
                out.append(("update_conversation_title", (c["id"], "Title %d" % k)))
                if k % 3 == 0:
                    out.append(("toggle_conversation_starred", (c["id"],)))
                if k % 5 == 0:
                    out.append(("save_follow_up_answers", (c["id"], {"q1": "yes", "k": k})))
                k += 1
    elif phase == "read":
        for u in users:
            out.append(("list_conversations", (u["user_id"],)))
            for c in u["conversations"]:
                out.append(("get_conversation", (c["id"],)))
    elif phase == "billing":
        for u in users:
            if u["stripe_subscription_id"]:
                out.append(("update_subscription_by_stripe_id", (
                    u["stripe_subscription_id"],
                    {"status": "active", "current_period_end": PERIOD_END})))
                out.append(("restore_all_expired_reports", (u["user_id"],)))
    elif phase == "count":
        for u in users:
            out.append(("count_user_conversations", (u["user_id"],)))
            out.append(("get_active_conversations_count", (u["user_id"],)))
    elif phase == "delete":
        k = 0
        for u in users:
            for c in u["conversations"]:
                if k % 10 == 0:
                    out.append(("delete_conversation", (c["id"],)))
                k += 1
    return out


class Result:
    def __init__(self, n, seconds, latencies):
        self.n, self.seconds = n, seconds
        lat = sorted(latencies)
        self.ops = n / seconds if seconds else 0.0
        self.p50 = lat[len(lat) // 2] * 1e6 if lat else 0
        self.p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1e6 if lat else 0


async def run_async(store, workload, w):
    """Each phase: w tasks on one loop, each with its slice of users."""
    results = {}
    slices = workload.slices(w)
    for phase in PHASES:
        work = [phase_calls(phase, s) for s in slices]
        lats = []

        async def worker(calls):
            for name, args in calls:
                t0 = time.perf_counter()
                await getattr(store, name)(*args)
                lats.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        await asyncio.gather(*[worker(c) for c in work])
        results[phase] = Result(len(lats), time.perf_counter() - t0, lats)
    return results


def run_threads(store, workload, w):
    """Each phase: w threads, each with its slice of users."""
    results = {}
    slices = workload.slices(w)
    for phase in PHASES:
        work = [phase_calls(phase, s) for s in slices]
        lats = []
        lock = threading.Lock()

        def worker(calls):
            mine = []
            for name, args in calls:
                t0 = time.perf_counter()
                getattr(store, name)(*args)
                mine.append(time.perf_counter() - t0)
            with lock:
                lats.extend(mine)
        t0 = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(w) as ex:
            list(ex.map(worker, work))
        results[phase] = Result(len(lats), time.perf_counter() - t0, lats)
    return results


def pg_schema(base):
    import asyncpg
    schema = "bench_%d_%s" % (os.getpid(), uuid.uuid4().hex[:8])

    async def go():
        c = await asyncpg.connect(base)
        await c.execute("CREATE SCHEMA " + schema)
        await c.close()
    asyncio.run(go())
    return schema


def parley_url(backend, tmp, pg):
    if backend == "json":
        return "json:%s/pj-%s" % (tmp, uuid.uuid4().hex[:6])
    if backend == "sqlite":
        return "sqlite:///%s/p-%s.db" % (tmp, uuid.uuid4().hex[:6])
    schema = pg_schema(pg)
    sep = "&" if "?" in pg else "?"
    return "%s%soptions=-csearch_path%%3D%s" % (pg, sep, schema)


def run_system(system, backend, w, workload, tmp, pg):
    if system == "parley.aio":
        url = parley_url(backend, tmp, pg)

        async def go():
            async with parley.aio.open(url) as s:
                return await run_async(s, workload, w)
        return asyncio.run(go())
    if system == "parley.storage":
        url = parley_url(backend, tmp, pg)
        with parley.open(url) as s:
            return run_threads(s, workload, w)
    if system == "json.dump module":
        return run_threads(JsonModule("%s/oj-%s" % (tmp, uuid.uuid4().hex[:6])),
                           workload, w)
    if system == "sqlalchemy":
        if backend == "sqlite":
            url, schema = "sqlite+aiosqlite:///%s/sa-%s.db" % (
                tmp, uuid.uuid4().hex[:6]), None
        else:
            schema = pg_schema(pg)
            url = pg.replace("postgresql://", "postgresql+asyncpg://", 1)

        async def go():
            s = make_sqlalchemy(url, schema)
            await s.setup()
            try:
                return await run_async(s, workload, w)
            finally:
                await s.dispose()
        return asyncio.run(go())
    raise ValueError(system)


def _cpp_figure(cheap_call, url, n):
    out = subprocess.run([cheap_call, url, str(n)], capture_output=True,
                         text=True).stdout
    figs = {}
    for line in out.splitlines():
        figs[line.rsplit(":", 1)[0]] = float(line.rsplit(":", 1)[1].split()[0])
    return figs


def binding_cost(tmp, cheap_call, n):
    """The best of 50 batches of get_conversation(missing) on SQLite: from
    Python (parley.Store, and the bare cffi call, interleaved batch by
    batch), and from C++ before and after (the best of both runs), so a
    burst of load on the machine cannot land on one side only."""
    from parley._ffi import lib
    url = "sqlite:///%s/cheap.db" % tmp
    cpp = {}
    if cheap_call and os.path.exists(cheap_call):
        cpp = _cpp_figure(cheap_call, url, n)
    with parley.open(url) as s:
        ptr, cid = s._handle._ptr, b"missing-conversation-id"
        for _ in range(1000):
            s.get_conversation("missing-conversation-id")
        py = raw = 1e18
        for _ in range(50):
            t0 = time.perf_counter()
            for _ in range(n // 50):
                s.get_conversation("missing-conversation-id")
            py = min(py, (time.perf_counter() - t0) / (n // 50) * 1e6)
            t0 = time.perf_counter()
            for _ in range(n // 50):
                lib.parley_result_free(lib.parley_get_conversation(
                    ptr, cid, len(cid)))
            raw = min(raw, (time.perf_counter() - t0) / (n // 50) * 1e6)
    if cheap_call and os.path.exists(cheap_call):
        for k, v in _cpp_figure(cheap_call, url, n).items():
            cpp[k] = min(cpp.get(k, v), v)
    print("python parley.Store.get_conversation(missing): %.2f us/call" % py)
    print("python bare cffi parley_get_conversation(missing): %.2f us/call" % raw)
    for k, v in cpp.items():
        print("%s: %.2f us/call" % (k, v))
    c = cpp.get("c++ Storage::GetConversation(missing)")
    if c is not None:
        print("binding cost per call: %.2f us (python %.2f - c++ %.2f; goal "
              "< 10 us); of which the Python layer over the bare cffi call "
              "%.2f us" % (py - c, py, c, py - raw))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=40)
    ap.add_argument("--conversations", type=int, default=5)
    ap.add_argument("--exchanges", type=int, default=2)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--workers", default="1,8,64")
    ap.add_argument("--backends", default="json,sqlite,postgresql")
    ap.add_argument("--cheap-call", default="")
    ap.add_argument("--cheap-n", type=int, default=100000)
    ap.add_argument("--binding-only", action="store_true",
                    help="only the binding's cost per call")
    a = ap.parse_args()
    wl = Workload(a.users, a.conversations, a.exchanges, a.seed)
    pg = os.environ.get("TEST_POSTGRES_URL") or os.environ.get("BENCH_POSTGRES_URL")
    print("council workload from Python: U=%d C=%d E=%d seed=%d, parley %s, "
          "python %s" % (a.users, a.conversations, a.exchanges, a.seed,
                         parley.__version__, sys.version.split()[0]))
    tmp = tempfile.mkdtemp(prefix="parley-pybench-")
    try:
        binding_cost(tmp, a.cheap_call, a.cheap_n)
        if a.binding_only:
            return
        for backend in a.backends.split(","):
            if backend == "postgresql" and not pg:
                print("postgresql: TEST_POSTGRES_URL unset, not run")
                continue
            baseline = "json.dump module" if backend == "json" else "sqlalchemy"
            for w in [int(x) for x in a.workers.split(",")]:
                if backend == "json" and w > 8:
                    continue
                res = {}
                for system in ("parley.aio", "parley.storage", baseline):
                    res[system] = run_system(system, backend, w, wl, tmp, pg)
                for phase in PHASES:
                    for system, r in res.items():
                        x = r[phase]
                        print("%s W=%d %-7s %-16s %9.0f ops/s (p50 %7.0f us, "
                              "p99 %8.0f us)" % (backend, w, phase, system,
                                                 x.ops, x.p50, x.p99))
                    b = res[baseline][phase].ops or 1e-9
                    print("%s W=%d %-7s ratio: parley.aio %.1fx, parley.storage "
                          "%.1fx %s" % (backend, w, phase,
                                        res["parley.aio"][phase].ops / b,
                                        res["parley.storage"][phase].ops / b,
                                        baseline))
                if backend == "json" and JsonModule.torn_reads:
                    print("json W=%d json.dump module: %d scans met a file "
                          "half-written by another thread (skipped)" % (
                              w, JsonModule.torn_reads))
                    JsonModule.torn_reads = 0
                tot = {s: sum(r[p].n for p in PHASES) /
                       sum(r[p].seconds for p in PHASES) for s, r in res.items()}
                print("%s W=%d all phases: parley.aio %.0f ops/s, parley.storage "
                      "%.0f, %s %.0f: %.1fx / %.1fx" % (
                          backend, w, tot["parley.aio"], tot["parley.storage"],
                          baseline, tot[baseline],
                          tot["parley.aio"] / tot[baseline],
                          tot["parley.storage"] / tot[baseline]))
                sys.stdout.flush()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
