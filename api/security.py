"""Passwords (bcrypt via pwdlib), JWT access tokens (HS256 only) and the login limiter.

Tokens carry ``sub`` (the user id as a string), ``iat`` and ``exp`` and are signed
with ``settings.jwt_secret``. Decoding accepts HS256 and nothing else: a token whose
header names another algorithm (``none`` included) is refused before its signature is
looked at, and ``exp``, ``iat`` and ``sub`` are required.

The login limiter is an in-memory sliding window per username (10 failures in any 60 s,
from any address) and per client address (20 failures, any usernames, unknown ones
included): beyond either, attempts are refused (429) before the user is read or a
password hashed, until the oldest failure leaves the window. It is per process (a
multi-process deployment would move it to a shared store). The client address is the
socket's peer, or the ``X-Forwarded-For`` client when the peer is a configured proxy
(``SIGMASIGHT_FORWARDED_ALLOW_IPS``, applied by uvicorn: :mod:`api.server`). The
per-username window lets a stranger delay one user's logins by a minute at a time; it
is what stops guessing one password from many addresses.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from jose import ExpiredSignatureError, JWTError, jwt
from pwdlib import PasswordHash
from pwdlib.exceptions import PwdlibError
from pwdlib.hashers.bcrypt import BcryptHasher

from ingest.config import Settings

JWT_ALGORITHM = "HS256"
BCRYPT_ROUNDS = 12
LOGIN_MAX_FAILURES = 10  # per username, any address
LOGIN_MAX_FAILURES_PER_ADDRESS = 20  # per client address, any username
LOGIN_WINDOW_SECONDS = 60.0
PASSWORD_CHECK_SLOTS = 1  # concurrent bcrypt checks per process
_PASSWORD_CHECKS = threading.BoundedSemaphore(PASSWORD_CHECK_SLOTS)


# --- passwords -----------------------------------------------------------------------

@lru_cache(maxsize=8)
def _hasher(rounds: int) -> PasswordHash:
    return PasswordHash((BcryptHasher(rounds=rounds),))


def hash_password(password: str, *, rounds: int = BCRYPT_ROUNDS) -> str:
    """A bcrypt hash of ``password`` (``$2b$``; the cost is stored in the hash)."""
    return _hasher(rounds).hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    """True when ``password`` matches ``password_hash``; False for any malformed hash.

    At most :data:`PASSWORD_CHECK_SLOTS` checks run at once per process (~0.25 s of CPU
    each at cost 12): a burst of logins queues here instead of taking every core from
    the requests being served.
    """
    with _PASSWORD_CHECKS:
        try:
            return _hasher(BCRYPT_ROUNDS).verify(password, password_hash)
        except (PwdlibError, ValueError, TypeError):
            return False


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password("not-a-real-password")


def burn_password_check(password: str) -> None:
    """Spend the time of one bcrypt check (unknown user: no timing difference)."""
    verify_password(password, _dummy_hash())


# --- tokens --------------------------------------------------------------------------

class TokenError(ValueError):
    """The token is refused; the message says why (for the 401 body)."""


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_in: int  # seconds


def create_access_token(user_id: int, settings: Settings,
                        now: dt.datetime | None = None) -> IssuedToken:
    """An HS256 JWT for ``user_id`` valid ``settings.jwt_expiry_hours``."""
    now = now or dt.datetime.now(dt.UTC)
    lifetime = dt.timedelta(hours=settings.jwt_expiry_hours)
    claims = {"sub": str(user_id), "iat": int(now.timestamp()),
              "exp": int((now + lifetime).timestamp())}
    token = jwt.encode(claims, settings.jwt_secret, algorithm=JWT_ALGORITHM)
    return IssuedToken(token, int(lifetime.total_seconds()))


_TOKEN_CACHE_SIZE = 4096
_token_cache: dict[tuple[str, str], tuple[int, int]] = {}  # (token, secret) -> (user, exp)
_token_cache_lock = threading.Lock()


def _now() -> float:
    return time.time()


def decode_access_token(token: str, settings: Settings) -> int:
    """The user id of a valid token; raises :class:`TokenError` with the reason.

    A token that passed the full check is remembered (per token and secret, at most
    4096) with its ``exp``: until then the same string is accepted without re-verifying
    the signature (the claims of a signed token cannot change); once ``exp`` has passed
    it is refused as expired, like python-jose does (no leeway).
    """
    key = (token, settings.jwt_secret)
    cached = _token_cache.get(key)
    if cached is not None:
        user_id, expires = cached
        if _now() <= expires:
            return user_id
        with _token_cache_lock:
            _token_cache.pop(key, None)
        raise TokenError("token has expired; log in again")
    user_id, expires = _verify_access_token(token, settings)
    with _token_cache_lock:
        if len(_token_cache) >= _TOKEN_CACHE_SIZE:
            _token_cache.clear()
        _token_cache[key] = (user_id, expires)
    return user_id


def _verify_access_token(token: str, settings: Settings) -> tuple[int, int]:
    """Full check with python-jose: (user id, exp)."""
    try:
        header = jwt.get_unverified_header(token)
    except JWTError as error:
        raise TokenError("token is malformed") from error
    if header.get("alg") != JWT_ALGORITHM:
        raise TokenError(f"token algorithm {header.get('alg')!r} is not accepted "
                         f"(only {JWT_ALGORITHM})")
    try:
        claims = jwt.decode(
            token, settings.jwt_secret, algorithms=[JWT_ALGORITHM],
            options={"require_exp": True, "require_iat": True, "require_sub": True},
        )
    except ExpiredSignatureError as error:
        raise TokenError("token has expired; log in again") from error
    except JWTError as error:
        message = str(error).lower()
        if "signature" in message:
            raise TokenError("token signature is invalid") from error
        raise TokenError(f"token is invalid: {error}") from error
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject.isdigit():
        raise TokenError("token subject is invalid")
    return int(subject), int(claims["exp"])


# --- login rate limit ----------------------------------------------------------------

LimiterKey = tuple[str, str]  # ("user", normalised username) or ("address", client IP)


class LoginRateLimiter:
    """Sliding windows of failed logins per username and per client address (thread-safe,
    in memory).

    :meth:`attempt` admits an attempt only while both windows have room, and counts it
    as a failure at once (so concurrent guesses cannot overshoot the limit); a login that
    then succeeds is taken back with :meth:`succeeded`. A refused attempt costs a dict
    lookup: no database read, no bcrypt. Unknown usernames count like known ones.
    """

    def __init__(self, max_failures: int = LOGIN_MAX_FAILURES,
                 window_seconds: float = LOGIN_WINDOW_SECONDS,
                 clock: Callable[[], float] = time.monotonic,
                 max_failures_per_address: int = LOGIN_MAX_FAILURES_PER_ADDRESS):
        self.limits = {"user": max_failures, "address": max_failures_per_address}
        self.window_seconds = window_seconds
        self.clock = clock
        self._failures: dict[LimiterKey, deque[float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def keys(username: str, client_address: str) -> tuple[LimiterKey, LimiterKey]:
        return ("user", username.strip().lower()), ("address", client_address)

    def _prune(self, key: LimiterKey, now: float) -> deque[float] | None:
        failures = self._failures.get(key)
        if failures is None:
            return None
        while failures and failures[0] <= now - self.window_seconds:
            failures.popleft()
        if not failures:
            del self._failures[key]
            return None
        return failures

    def attempt(self, username: str, client_address: str) -> float | None:
        """Admit one attempt (None) or refuse it: the seconds until one is admitted."""
        with self._lock:
            now = self.clock()
            waits = []
            for key in self.keys(username, client_address):
                limit = self.limits[key[0]]
                failures = self._prune(key, now)
                if failures is not None and len(failures) >= limit:
                    waits.append(max(failures[-limit] + self.window_seconds - now, 0.0))
            if waits:
                return max(waits)
            for key in self.keys(username, client_address):
                self._failures.setdefault(key, deque()).append(now)
            if len(self._failures) > 10_000:  # bound memory: drop keys with stale entries
                for stale in list(self._failures):
                    self._prune(stale, now)
            return None

    def succeeded(self, username: str, client_address: str) -> None:
        """Take back the admitted attempt of a login that succeeded (a success is no
        failure; the latest entry of each window goes, they are equivalent)."""
        with self._lock:
            for key in self.keys(username, client_address):
                failures = self._failures.get(key)
                if failures:
                    failures.pop()
                    if not failures:
                        del self._failures[key]
