"""One whole system for the ledger's end-to-end tests (the fault suite's, with quick retries)."""

import pytest

from tests_e2e.faults.system import WholeSystem


@pytest.fixture(scope="module")
def system(tmp_path_factory):
    """Every process of Ripple on fresh PostgreSQL databases and a fresh vhost, behind a broker proxy."""
    with WholeSystem(tmp_path_factory.mktemp("ledger"), extra_env={"EVENT_MAX_RETRIES": "1"}) as whole:
        yield whole
