"""urlmask: every secret a database URL can carry is masked, as written and decoded."""

from __future__ import annotations

import pytest

from cervix_watch.store import db
from cervix_watch.store.urlmask import SECRET_OPTIONS, mask_secrets, mask_url, secrets_in

# (URL, how it is shown, the secrets it carries)
CASES: list[tuple[str, str, list[str]]] = [
    ("postgresql://al:pw@h/db", "postgresql://al:***@h/db", ["pw"]),
    ("postgresql://al@h/db?password=pw", "postgresql://al@h/db?password=***", ["pw"]),
    (
        "postgresql://al:a%40b@h:5432/db?sslmode=require&sslpassword=kp",
        "postgresql://al:***@h:5432/db?sslmode=require&sslpassword=***",
        ["a%40b", "a@b", "kp"],
    ),
    (
        "postgresql://al@h/db?pass%77ord=x%20y",
        "postgresql://al@h/db?pass%77ord=***",
        ["x%20y", "x y"],
    ),
    ("postgresql://al:p/w?x@h/db", "postgresql://al:***@h/db", ["p/w?x"]),
    (
        "postgresql://h/db?passfile=/home/al/.pgpass",
        "postgresql://h/db?passfile=/home/al/.pgpass",
        [],
    ),
    ("postgresql://h/db?application_name=cw", "postgresql://h/db?application_name=cw", []),
    ("postgresql:///db?host=/run&password=", "postgresql:///db?host=/run&password=***", []),
]


@pytest.mark.parametrize(("url", "shown", "secrets"), CASES, ids=[c[0] for c in CASES])
def test_a_url_is_shown_with_its_secrets_masked(url: str, shown: str, secrets: list[str]) -> None:
    """The userinfo password and every secret option's value become `***`, nothing else."""
    assert mask_url(url) == shown
    assert sorted(secrets_in(url)) == sorted(secrets)


@pytest.mark.parametrize("option", sorted(SECRET_OPTIONS))
def test_every_libpq_secret_option_is_masked(option: str) -> None:
    """password, sslpassword, oauth_client_secret and the SCRAM keys: libpq's hidden options."""
    url = f"postgresql://al@h/db?sslmode=require&{option}=S3cr3t-value"
    assert "S3cr3t" not in mask_url(url)
    assert "S3cr3t" not in db.resolve(url).describe()


def test_a_message_loses_every_spelling_of_the_secret() -> None:
    """A driver's message or a traceback quoting the secret, encoded or not, is masked."""
    url = "postgresql://al:p%25w0rd@h/db?sslpassword=k%20ey"
    text = "failed: 'p%w0rd' / p%25w0rd / k ey / k%20ey"
    assert mask_secrets(text, url) == "failed: '***' / *** / *** / ***"
    assert mask_secrets(text, None) == text
