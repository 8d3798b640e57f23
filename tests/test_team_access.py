"""Who may see the dashboard (icp_core.access): the pure decision, thoroughly."""

from __future__ import annotations

import pytest

from icp_core.access import access_decision

AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "s", "client_id": "c",
        "client_secret": "x", "server_metadata_url": "https://accounts.example/.well-known/openid-configuration"}


def user(email, **extra):
    return {"is_logged_in": True, "email": email, "name": "N", **extra}


def test_no_configuration_is_open_for_anyone():
    assert access_decision({}, None) == "open"
    assert access_decision(None, None) == "open"
    assert access_decision({"ICP_DB": "x"}, user("a@b.de")) == "open"
    assert access_decision({"auth": {}}, None) == "open"


def test_access_lists_without_auth_fail_closed():
    assert access_decision({"access": {"allowed_emails": ["a@b.de"]}}, None) == "denied"
    assert access_decision({"access": {"allowed_domains": ["b.de"]}}, user("a@b.de")) == "denied"


@pytest.mark.parametrize("who", [None, {}, {"is_logged_in": False}, {"is_logged_in": "yes", "email": "a@b.de"}])
def test_configured_auth_without_a_user_asks_to_sign_in(who):
    assert access_decision({"auth": AUTH, "access": {"allowed_domains": ["b.de"]}}, who) == "sign_in"
    assert access_decision({"auth": AUTH}, who) == "sign_in"


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("anna@example.com", "allowed"),
        ("ANNA@Example.COM", "allowed"),
        (" anna@example.com ", "allowed"),
        ("bob@example.com", "denied"),
        ("bob@partner.de", "allowed"),
        ("bob@PARTNER.de", "allowed"),
        ("bob@sub.partner.de", "denied"),
        ("bob@partner.de.evil.com", "denied"),
        ("bob@evilpartner.de", "denied"),
        ("partner.de@evil.com", "denied"),
        ("a@b@partner.de", "denied"),
        ("@partner.de", "denied"),
        ("", "denied"),
        (None, "denied"),
    ],
)
def test_allow_lists(email, expected):
    config = {"auth": AUTH, "access": {"allowed_emails": ["Anna@example.com"], "allowed_domains": ["partner.de", "@other.org"]}}
    assert access_decision(config, user(email)) == expected


def test_domain_written_with_at_sign_and_single_string_lists():
    assert access_decision({"auth": AUTH, "access": {"allowed_domains": ["@other.org"]}}, user("x@other.org")) == "allowed"
    assert access_decision({"auth": AUTH, "access": {"allowed_emails": "x@y.de"}}, user("x@y.de")) == "allowed"


def test_no_list_lets_nobody_in_unless_any_signed_in_is_allowed_explicitly():
    assert access_decision({"auth": AUTH}, user("x@y.de")) == "denied"
    assert access_decision({"auth": AUTH, "access": {}}, user("x@y.de")) == "denied"
    assert access_decision({"auth": AUTH, "access": {"allow_any_signed_in": True}}, user("x@y.de")) == "allowed"
    assert access_decision({"auth": AUTH, "access": {"allow_any_signed_in": "true"}}, user("x@y.de")) == "denied"


def test_unverified_email_is_denied():
    config = {"auth": AUTH, "access": {"allowed_domains": ["y.de"], "allow_any_signed_in": True}}
    assert access_decision(config, user("x@y.de", email_verified=False)) == "denied"
    assert access_decision(config, user("x@y.de", email_verified=True)) == "allowed"


def test_named_providers_count_as_configured():
    config = {"auth": {"redirect_uri": "r", "cookie_secret": "s", "google": {"client_id": "c"}},
              "access": {"allowed_domains": ["y.de"]}}
    assert access_decision(config, None) == "sign_in"
    assert access_decision(config, user("x@y.de")) == "allowed"
