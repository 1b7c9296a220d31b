"""Rate limits for the token endpoint: the only place a password can be guessed through the API."""

import hashlib

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from core.net import client_ip


class _SettingsRateThrottle(SimpleRateThrottle):
    def get_ident(self, request):
        # The one client-address rule (core/net.py, TIAOJIE_TRUSTED_PROXIES): DRF's own reads
        # a client's X-Forwarded-For as its address when NUM_PROXIES is unset, so a different
        # forged header on each try would get a fresh allowance.
        return client_ip(request) or "unknown"

    def get_rate(self):
        # Read the rate on each request (DRF binds it at import), so a deployment or a test that
        # changes REST_FRAMEWORK sees its own value.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class TokenIPThrottle(_SettingsRateThrottle):
    """Attempts per client address."""

    scope = "auth_token"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class TokenUsernameThrottle(_SettingsRateThrottle):
    """Attempts per account, so guessing one password from many addresses is slowed down too."""

    scope = "auth_token_user"

    def get_cache_key(self, request, view):
        username = request.data.get("username") if hasattr(request.data, "get") else None
        if not isinstance(username, str) or not username:
            return None
        # Hashed: the username is whatever the client sent (control characters, any length), and
        # a cache key must be short and printable (memcached refuses others).
        ident = hashlib.sha256(username.strip().lower().encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}
