"""The catalog's OpenAPI against the catalog: schemathesis on the served API, Swagger UI in Chromium."""

from pathlib import Path

import pytest

from ripple_testing.conformance import admin_token, rendered_dom, run_schemathesis, serve_api

pytestmark = pytest.mark.django_db(transaction=True)
CONFIG = Path(__file__).parents[1] / "schemathesis.toml"


def test_schemathesis_finds_no_mismatch_and_no_server_error(tmp_path):
    token = admin_token()
    with serve_api("catalog", tmp_path) as base_url:
        report = run_schemathesis(base_url, tmp_path, token=token, config=CONFIG)
    assert "20 selected / 20 total" in report and " passed" in report


def operation_section(dom: str, operation_id: str) -> str:
    """The part of Swagger UI's DOM that shows one operation."""
    start = dom.index(f'id="operations-{operation_id}"')
    end = dom.find('id="operations-', start + 1)
    return dom[start : end if end != -1 else None]


def test_swagger_ui_offers_a_file_chooser_for_the_media_upload(tmp_path):
    with serve_api("catalog", tmp_path, collect_static=True) as base_url:
        dom = rendered_dom(f"{base_url}/api/docs/#/media/media_create")  # deep link: opened, try-it-out on
    upload = operation_section(dom, "media-media_create")
    assert 'type="file"' in upload and "multipart/form-data" in upload
    assert 'type="file"' not in operation_section(dom, "categories-categories_create")
