"""A requests transport adapter that connects to the address the guard checked, and to no other.

`requests` would resolve the host again after the guard did: a DNS answer that changes in between
(rebinding) could reach an address the guard refused. This adapter asks the guard for the host's
checked address and puts that IP into urllib3's connection pool key, so the socket connects to it;
the `Host` header stays the URL's, and for HTTPS the TLS handshake sends the host name as SNI and
verifies the certificate against it. The technique is requests-hardened's (IPFilterAdapter); the
policy (allowed networks, every address checked, cached verdicts) is the guard's.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from requests.adapters import HTTPAdapter

from notifications import address_guard


class PinnedAddressAdapter(HTTPAdapter):
    """Connect to the guard's checked address of the URL's host (AddressRefused before any socket)."""

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        """urllib3's pool attributes with the host replaced by its checked IP, SNI kept on the name."""
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        host = host_params["host"] or ""
        address = address_guard.check_host(host)
        if host_params["scheme"] == "https":
            pool_kwargs["server_hostname"] = host.strip("[]")
        host_params["host"] = f"[{address}]" if address.version == 6 else str(address)
        request.headers["Host"] = urlsplit(request.url).netloc.rpartition("@")[2]
        return host_params, pool_kwargs
