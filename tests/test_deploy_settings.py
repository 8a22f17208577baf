"""Production settings pass Django's deployment checks, and refuse unsafe combinations."""

import os
import subprocess
import sys


def _run(env_extra, *args):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "HIMAYA_DEMO_MODE", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "-m", "himaya.cli", *args], env=env, capture_output=True, text=True,
        timeout=120,
    )


PRODUCTION = {
    "HIMAYA_ENV": "production",
    "SECRET_KEY": "x" * 20 + "a-long-random-production-secret-key-9f8e7d6c5b4a",
    "ALLOWED_HOSTS": "himaya.example.org",
    "HIMAYA_VAR_DIR": "/tmp/himaya-deploy-check",
}


def test_check_deploy_is_clean_under_production_settings():
    result = _run(PRODUCTION, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = dict(PRODUCTION)
    env["SECRET_KEY"] = ""
    result = _run(env, "check")
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_demo_mode_is_refused_in_production():
    result = _run({**PRODUCTION, "HIMAYA_DEMO_MODE": "true"}, "check")
    assert result.returncode != 0 and "HIMAYA_DEMO_MODE" in result.stderr
