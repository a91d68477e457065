"""Which client a request comes from, one rule for every counter that keys on it
(log-in lock-outs, rate limits, the sessions list); DRF's throttles apply the same rule
through their NUM_PROXIES setting, which settings set from TRUSTED_PROXIES."""

import ipaddress

from rest_framework.throttling import BaseThrottle


def client_ip(request) -> str | None:
    """REMOTE_ADDR; with TRUSTED_PROXIES = N, the address in X-Forwarded-For's Nth entry
    from the right (the one the outermost trusted proxy saw). A client can add entries
    to the left of the header, never to the right of what the proxies append."""
    # DRF's own reading of NUM_PROXIES, so that its throttles and everything else agree.
    address = BaseThrottle().get_ident(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        # Not an address (a misconfigured proxy count, a garbled header): the peer's own.
        return request.META.get("REMOTE_ADDR")
