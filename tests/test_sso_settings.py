"""ECABINET_OIDC_PROVIDERS: a JSON list inline or in a file; a provider the server could not use
safely stops it with a clear message."""

from __future__ import annotations

import json

import pytest

from ecabinet.config import Settings, SettingsError

GOOD = {"name": "moh", "issuer": "https://sso.moh.gov.vn/realms/moh", "client_id": "ecabinet"}


def test_providers_are_read_inline_and_from_a_file(tmp_path):
    inline = Settings.from_env({"ECABINET_OIDC_PROVIDERS": json.dumps([GOOD])})
    [provider] = inline.oidc_providers
    assert (provider.name, provider.label, provider.provision) == ("moh", "moh", False)
    assert inline.oidc_provider("moh") is provider and inline.oidc_provider("x") is None
    path = tmp_path / "providers.json"
    path.write_text(json.dumps([GOOD | {"display_name": "Bộ Y tế", "client_secret": "s"}]))
    from_file = Settings.from_env({"ECABINET_OIDC_PROVIDERS": str(path)})
    assert from_file.oidc_providers[0].label == "Bộ Y tế"
    assert "'s'" not in repr(from_file.oidc_providers[0])  # the secret is not in logs


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"issuer": "http://sso.moh.gov.vn"}, "https"),
        ({"name": "Bộ"}, "name"),
        ({"client_id": ""}, "client_id"),
        ({"provision": True}, "provision_organization"),
        ({"provision_role": "king"}, "provision_role"),
        ({"algorithms": ["HS256"]}, "algorithms"),
        ({"algorithms": ["none"]}, "algorithms"),
        ({"scopes": ["profile"]}, "openid"),
        ({"colour": "red"}, "unknown keys"),
    ],
)
def test_a_provider_the_server_cannot_trust_is_refused(change, message):
    with pytest.raises(SettingsError, match=message):
        Settings.from_env({"ECABINET_OIDC_PROVIDERS": json.dumps([GOOD | change])})


def test_malformed_lists_and_duplicates_are_refused(tmp_path):
    for raw in ("[not json", '{"name": "x"}', "[1]", str(tmp_path / "missing.json")):
        with pytest.raises(SettingsError, match="OIDC_PROVIDERS"):
            Settings.from_env({"ECABINET_OIDC_PROVIDERS": raw})
    with pytest.raises(SettingsError, match="same name"):
        Settings.from_env({"ECABINET_OIDC_PROVIDERS": json.dumps([GOOD, GOOD])})


def test_loopback_http_is_allowed_for_tests_and_development():
    settings = Settings.from_env(
        {"ECABINET_OIDC_PROVIDERS": json.dumps([GOOD | {"issuer": "http://127.0.0.1:9000"}])}
    )
    assert settings.oidc_providers[0].issuer == "http://127.0.0.1:9000"
