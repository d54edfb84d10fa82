"""Fixtures: a fresh store on each backend (json, sqlite, postgresql); see
parley_test_urls.py. The PostgreSQL tests never skip."""
import pytest

import parley
from parley_test_urls import fresh_url  # noqa: F401

BACKENDS = ["json", "sqlite", "postgresql"]


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture
def url(backend, tmp_path):
    return fresh_url(backend, tmp_path)


@pytest.fixture
def store(url):
    with parley.open(url) as s:
        yield s
