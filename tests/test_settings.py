"""Production defaults are safe; the `ardoise` command maps hyphens to Django commands."""

import os
import subprocess
import sys


def run_settings(env_extra: dict, var_dir) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"ARDOISE_DEBUG", "ARDOISE_TESTING", "SECRET_KEY"}
    }
    env.update(env_extra, ARDOISE_VAR_DIR=str(var_dir))
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE','ardoise.settings');"
        "from django.conf import settings as s;"
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.ALLOWED_HOSTS)"
    )
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = run_settings({}, tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_defaults_are_secure(tmp_path):
    result = run_settings({"SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "ardoise.example"}, tmp_path)
    assert result.stdout.strip() == "False True True ['ardoise.example']"


def test_debug_mode_is_opt_in(tmp_path):
    result = run_settings({"ARDOISE_DEBUG": "1"}, tmp_path)
    assert result.stdout.startswith("True False False")


def test_a_local_install_reads_its_key_file(tmp_path):
    (tmp_path / "secret_key").write_text("k" * 50)
    result = run_settings({}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("False True True")


def test_cli_maps_hyphenated_commands():
    env = dict(os.environ, ARDOISE_TESTING="1")
    result = subprocess.run(
        [sys.executable, "-m", "ardoise.cli", "verify-audit", "--help"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "Verify the hash chains" in result.stdout
