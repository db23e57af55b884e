"""The slow scenarios of the fault suite (`make faults`): each waits out a lease or an outage."""

from __future__ import annotations

import threading
import time

from tests_e2e.faults.scenarios import assert_exactly_once, settled

PRODUCTS = 8


def test_sigkill_of_the_relay_mid_stream(system):
    ids = system.seed("KILLRELAY", PRODUCTS)
    deleter = threading.Thread(target=system.delete, args=(ids,))
    deleter.start()
    time.sleep(0.3)
    system.processes["catalog-relay"].kill()
    deleter.join()
    restarted = time.monotonic()
    system.start("catalog-relay")
    outcome = settled(system, ids, "SIGKILL relay", timeout=180)
    print(f"[SIGKILL relay] every effect {time.monotonic() - restarted:.1f}s after the restart")
    assert_exactly_once(outcome)


def test_one_service_down_for_a_minute(system):
    ids = system.seed("DOWN", PRODUCTS)
    system.processes["search-worker"].stop()
    system.delete(ids)
    time.sleep(60)
    system.start("search-worker")
    assert_exactly_once(settled(system, ids, "search worker down a minute"))
