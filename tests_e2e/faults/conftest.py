"""One whole system per module of the fault suite; each scenario uses products of its own."""

import pytest

from tests_e2e.faults.system import WholeSystem


@pytest.fixture(scope="module")
def system(tmp_path_factory):
    """Every process of Ripple on fresh databases and a fresh vhost, behind a broker proxy."""
    with WholeSystem(tmp_path_factory.mktemp("faults")) as whole:
        yield whole
