"""Fresh store URLs for the tests: json and sqlite in a temporary folder,
PostgreSQL as a fresh schema on the server TEST_POSTGRES_URL names
(tests/pg_test_server.sh). When it is unset, a PostgreSQL test FAILS saying
so: they never skip."""
import asyncio
import os
import uuid

import pytest


def postgres_base_url():
    url = os.environ.get("TEST_POSTGRES_URL")
    if not url:
        pytest.fail("TEST_POSTGRES_URL is not set: start the test server "
                    "(eval \"$(bash tests/pg_test_server.sh start)\"); the "
                    "PostgreSQL tests never skip", pytrace=False)
    return url


def _create_schema(base, schema):
    import asyncpg

    async def run():
        conn = await asyncpg.connect(base)
        try:
            await conn.execute("CREATE SCHEMA " + schema)
        finally:
            await conn.close()
    asyncio.run(run())


def fresh_url(backend, tmp_path, extra=""):
    """A URL of an empty store of `backend`; `extra` adds query options."""
    if backend == "json":
        url = "json:%s?fsync=false" % (tmp_path / ("data-" + uuid.uuid4().hex[:8]))
    elif backend == "sqlite":
        url = "sqlite:///%s?synchronous=off" % (
            tmp_path / ("chat-%s.db" % uuid.uuid4().hex[:8]))
    elif backend == "postgresql":
        base = postgres_base_url()
        schema = "parley_py_%d_%s" % (os.getpid(), uuid.uuid4().hex[:10])
        _create_schema(base, schema)
        sep = "&" if "?" in base else "?"
        url = "%s%soptions=-csearch_path%%3D%s" % (base, sep, schema)
    else:
        raise ValueError(backend)
    if extra:
        url += "&" + extra
    return url
