"""Second factor, lock-out by user name, password policy and hashing, session headers."""

import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _sign_in(client, username, password=PASSWORD, ip="10.0.0.1"):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def _current_code(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_staff_must_enrol_and_pass_a_second_factor(world, settings):
    settings.HIMAYA_REQUIRE_SECOND_FACTOR = True
    client = Client()
    assert _sign_in(client, "coord_a").status_code == 302
    # Password alone reaches nothing: every page sends to the second factor.
    response = client.get("/accounts/home/")
    assert response.status_code == 302 and response["Location"].endswith("/accounts/two-factor/")
    assert client.get("/api/v1/me/").status_code == 403
    # Enrolment: the page creates a device; a wrong code is refused.
    page = client.get("/accounts/two-factor/")
    assert b"data:image/svg+xml" in page.content
    device = TOTPDevice.objects.get(user=world.users["coord_a"], confirmed=False)
    assert client.post("/accounts/two-factor/", {"code": "000000"}).status_code == 200
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # failures slow further attempts down
    device.throttle_reset()
    response = client.post("/accounts/two-factor/", {"code": _current_code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/accounts/home/").status_code == 200


def test_the_same_code_never_works_twice(world, settings):
    settings.HIMAYA_REQUIRE_SECOND_FACTOR = True
    user = world.users["agent_a"]
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    code = _current_code(device)
    first = Client()
    _sign_in(first, "agent_a")
    assert first.post("/accounts/two-factor/", {"code": code}).status_code == 302
    second = Client()
    _sign_in(second, "agent_a")
    replay = second.post("/accounts/two-factor/", {"code": code})
    assert replay.status_code == 200  # refused, the form is shown again
    assert second.get("/accounts/home/").status_code == 302


def test_lock_out_by_user_name_whatever_the_address(world, settings):
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    for attempt in range(3):
        _sign_in(client, "coord_a", "wrong password!!", ip=f"10.0.0.{attempt + 1}")
    # The right password from yet another address is refused while locked.
    locked = _sign_in(Client(), "coord_a", ip="192.0.2.44")
    assert locked.status_code == 429
    assert "_auth_user_id" not in Client().session
    # Another user of the same office (same address) is not locked.
    assert _sign_in(Client(), "agent_a", ip="10.0.0.1").status_code == 302


def test_passwords_need_twelve_characters_and_not_a_common_one():
    with pytest.raises(ValidationError):
        validate_password("short-pw1")
    with pytest.raises(ValidationError):
        validate_password("password1234")
    validate_password("a sentence that is long enough")


def test_passwords_are_hashed_with_argon2(settings):
    from himaya import settings as himaya_settings

    assert himaya_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    settings.PASSWORD_HASHERS = himaya_settings.PASSWORD_HASHERS
    assert make_password("a sentence that is long enough").startswith("argon2$")


def test_signed_in_pages_are_never_cached_and_carry_a_strict_policy(world):
    response = world.client_for("coord_a").get("/accounts/home/")
    assert "no-store" in response["Cache-Control"]
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "http" not in policy  # no third-party host anywhere
