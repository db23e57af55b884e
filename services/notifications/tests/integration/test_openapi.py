"""The notifications API's OpenAPI against the served API (schemathesis, every check)."""

from pathlib import Path

import pytest

from ripple_testing.conformance import admin_token, answers, run_schemathesis, serve_api

pytestmark = pytest.mark.django_db(transaction=True)
CONFIG = Path(__file__).parents[1] / "schemathesis.toml"


def test_schemathesis_finds_no_mismatch_and_no_server_error(tmp_path):
    token = admin_token()
    with serve_api("notifications", tmp_path) as base_url:
        assert answers(f"{base_url}/api/docs/")
        report = run_schemathesis(base_url, tmp_path, token=token, config=CONFIG)
    assert "15 selected / 15 total" in report and " passed" in report
