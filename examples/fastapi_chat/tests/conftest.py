import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))                       # app.py
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "python", "tests"))
from parley_test_urls import fresh_url  # noqa: E402  (python/tests)


@pytest.fixture(params=["json", "sqlite", "postgresql"])
def client(request, tmp_path):
    from fastapi.testclient import TestClient

    import parley.aio
    import app as chat

    parley.aio.configure(fresh_url(request.param, tmp_path))
    try:
        with TestClient(chat.app) as c:
            yield c
    finally:
        parley.aio.close()
