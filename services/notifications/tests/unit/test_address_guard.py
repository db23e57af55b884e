"""Webhook targets on private, loopback, link-local or reserved addresses are refused unless allowed."""

import pytest

from notifications.address_guard import AddressRefused, AddressUnresolved, check_host


@pytest.fixture
def strict(settings):
    """No loopback, no exceptions: production's defaults."""
    settings.NOTIFICATIONS_WEBHOOK_ALLOW_LOOPBACK = False
    settings.NOTIFICATIONS_WEBHOOK_ALLOWED_NETWORKS = []


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "127.8.9.10",
        "[::1]",
        "localhost",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.20",
        "169.254.169.254",
        "fe80::1",
        "fc00::1",
        "0.0.0.0",  # noqa: S104 - a target to refuse, not a bind address
        "100.64.0.1",
        "224.0.0.1",
        "::ffff:10.0.0.1",
        "::ffff:127.0.0.1",
    ],
)
def test_non_public_addresses_and_names_resolving_to_them_are_refused(strict, host):
    with pytest.raises(AddressRefused):
        check_host(host)


def test_public_addresses_are_allowed(strict):
    check_host("93.184.216.34")
    check_host("2606:2800:220:1:248:1893:25c8:1946")


def test_loopback_is_allowed_when_the_setting_says_so(settings):
    settings.NOTIFICATIONS_WEBHOOK_ALLOW_LOOPBACK = True
    check_host("127.0.0.1")
    check_host("localhost")
    with pytest.raises(AddressRefused):
        check_host("10.1.2.3")


def test_allowed_networks_open_exactly_those_networks(strict, settings):
    settings.NOTIFICATIONS_WEBHOOK_ALLOWED_NETWORKS = ["10.20.0.0/16"]
    check_host("10.20.30.40")
    with pytest.raises(AddressRefused):
        check_host("10.21.0.1")


def test_the_verdict_is_cached_until_a_setting_changes(strict, settings):
    with pytest.raises(AddressRefused, match="loopback"):
        check_host("localhost")
    settings.NOTIFICATIONS_WEBHOOK_ALLOW_LOOPBACK = True  # setting_changed clears the cache
    check_host("localhost")


def test_a_name_that_does_not_resolve_is_unresolved_not_refused(strict):
    with pytest.raises(AddressUnresolved):
        check_host("no-such-host.invalid")
