"""The secrets a database URL can carry, and the one way a URL or a message is shown: masked.

A PostgreSQL URL carries a secret in its userinfo (`alice:pw@host`) and in any query
option that libpq itself never displays: those marked `*` (password) or `D` (debug
only) in its connection options table (fe-connect.c `PQconninfoOptions`), plus
PostgreSQL 18's OAuth client secret. `passfile`, `sslkey` and `sslcert` name files and
are shown: the file, not its name, holds the secret.

Every display of a URL (`db info`, `config show`, every error line, a `--debug`
traceback, the listener's log) goes through `mask_url` or `mask_secrets`.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

MASK = "***"
SECRET_OPTIONS = frozenset(
    {"password", "sslpassword", "oauth_client_secret", "scram_client_key", "scram_server_key"}
)

# As SQLAlchemy reads it (it hands the driver the password it parsed): the user runs to
# the first `:` or `/`, the password from there to the first `@`.
_USERINFO = re.compile(r"^(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^:/]*:)(?P<password>[^@]*)@")
# A query option `key=value`, up to the next `&` (or `#`).
_OPTION = re.compile(r"(?P<key>[^&=?#]+)=(?P<value>[^&#]*)")


def _query_start(url: str) -> int:
    """Where the query (`?...`) starts, after any userinfo; -1 when there is none."""
    found = _USERINFO.match(url)
    return url.find("?", found.end() if found else 0)


def _secret_options(url: str) -> list[re.Match[str]]:
    start = _query_start(url)
    if start < 0:
        return []
    options = _OPTION.finditer(url, start + 1)
    return [o for o in options if unquote(o["key"]).strip().lower() in SECRET_OPTIONS]


def secrets_in(url: str) -> list[str]:
    """Every secret `url` carries, as written and percent-decoded, longest first."""
    found = [o["value"] for o in _secret_options(url)]
    if userinfo := _USERINFO.match(url):
        found.append(userinfo["password"])
    spellings = {s for value in found for s in (value, unquote(value), unquote(value, "latin-1"))}
    return sorted((s for s in spellings if s), key=len, reverse=True)


def mask_url(url: str) -> str:
    """`url` with its userinfo password and every secret option's value written `***`."""
    masked = url
    for option in reversed(_secret_options(url)):  # from the end: offsets stay valid
        masked = masked[: option.start("value")] + MASK + masked[option.end("value") :]
    return _USERINFO.sub(lambda m: f"{m['head']}{MASK}@", masked, count=1)


def mask_secrets(text: str, url: str | None) -> str:
    """`text` (a driver's message, a traceback) with every secret of `url` written `***`."""
    if not url:
        return text
    for secret in secrets_in(url):
        text = text.replace(secret, MASK)
    return text
