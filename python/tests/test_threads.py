"""8 Python threads on the sync module share one store, lose nothing, and
(the GIL being released during each call) run in parallel: the speed-up
over one thread is printed, not asserted."""
import threading
import time

import parley


def _run_threads(n_threads, fn, per_thread):
    errors = []

    def body(t):
        try:
            for i in range(per_thread):
                fn(t, i)
        except BaseException as e:   # noqa: B902
            errors.append(e)
    threads = [threading.Thread(target=body, args=(t,)) for t in range(n_threads)]
    start = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors[:3]
    return time.perf_counter() - start


def test_eight_threads_lose_nothing(backend, url, capsys):
    with parley.open(url) as s:
        s.create_conversation("shared", "u0")
        for t in range(8):
            s.create_conversation("t%d" % t, "u%d" % t)

        def write(t, i):
            s.add_user_message("shared", "t%d-%d" % (t, i))
            s.add_user_message("t%d" % t, "m%d" % i)
        _run_threads(8, write, 25)
        contents = [m["content"] for m in s.get_conversation("shared")["messages"]]
        assert sorted(contents) == sorted("t%d-%d" % (t, i)
                                          for t in range(8) for i in range(25))
        for t in range(8):
            own = [m["content"] for m in s.get_conversation("t%d" % t)["messages"]]
            assert own == ["m%d" % i for i in range(25)]   # in order

        # Reads: one thread vs eight doing the same total work.
        total = 800 if backend != "json" else 400

        def read(t, i):
            s.get_conversation("t%d" % ((t + i) % 8))
            s.list_conversations("u%d" % (i % 8))
        one = _run_threads(1, read, total)
        eight = _run_threads(8, read, total // 8)
    with capsys.disabled():
        print("\n[threads %s] %d reads x2: 1 thread %.0f ms, 8 threads %.0f ms: "
              "%.2fx" % (backend, total, one * 1e3, eight * 1e3, one / eight))
