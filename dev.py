#!/usr/bin/env python3
"""Run Undersigned on this machine with nothing but Python 3.11+.

    python3 dev.py start    install, migrate, import the example statement, and serve
                            the app with a Celery worker; mail is readable at /dev/mail
    python3 dev.py test     install, and run the tests (arguments go to pytest)

Only the standard library is used here, because this runs before anything else is
installed: it makes `.venv`, installs the project into it, and hands over to it.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"
EXAMPLE = ROOT / "campaign" / "demo" / "crimea-statement-2020.txt"
EXAMPLE_SLUG = "crimea-2020"


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def run(*command: str | Path, env: dict[str, str] | None = None) -> None:
    subprocess.run([str(part) for part in command], cwd=ROOT, env=env, check=True)


def install() -> None:
    """Create the virtualenv and install the project, unless pyproject.toml is unchanged
    since the last install."""
    if sys.version_info < (3, 11):  # noqa: UP036 - this file is run by whatever python3 is
        sys.exit(f"Undersigned needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    if not PYTHON.exists():
        say(f"creating a virtual environment in {VENV}")
        venv.create(VENV, with_pip=True)
    stamp = VENV / ".undersigned-installed"
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not stamp.exists() or stamp.read_text() != wanted:
        say("installing Undersigned and its dependencies (the first time takes a minute)")
        run(PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
            "--editable", ".[test]")
        stamp.write_text(wanted)
    # The translations are served from compiled catalogs (.mo), which are built here
    # rather than kept in git; only those older than their .po are compiled again.
    run(PYTHON, "-m", "campaign.catalogs", "compile")


WEASYPRINT_LIBS = ["libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0"]


def weasyprint_libraries() -> None:
    """Letters are printed to PDF by WeasyPrint, which needs Pango. Installed here when
    we may (root, with apt-get); otherwise say how, and go on: only PDFs would fail."""
    if not shutil.which("dpkg") or subprocess.run(
            ["dpkg", "-s", *WEASYPRINT_LIBS], capture_output=True).returncode == 0:
        return
    command = ["apt-get", "install", "-y", *WEASYPRINT_LIBS]
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        say("installing WeasyPrint's libraries: " + " ".join(WEASYPRINT_LIBS))
        subprocess.run(["apt-get", "update", "-qq"], check=False)
        if subprocess.run(command, check=False).returncode == 0:
            return
    say("letters cannot be printed to PDF until you run: sudo " + " ".join(command))


def development_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("APP_ENV", "development")
    port = env.setdefault("PORT", "5000")
    env.setdefault("SERVER_NAME", f"127.0.0.1:{port}")
    env["FLASK_APP"] = "campaign"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def wait_until_serving(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("the web server stopped while starting; see its output above")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the web server did not answer at {url} within {timeout:.0f} s")


def demo_coordinator(flask: list[str], env: dict[str, str], credentials: Path) -> tuple[str, str]:
    """A coordinator on the example's team, made once, so that the workspace can be
    tried at once; its password is random and kept only in instance/."""
    if not credentials.exists():
        say("creating a demo coordinator")
        email, password = "demo@example.org", secrets.token_urlsafe(12)
        run(*flask, "create-coordinator", email, "--name", "Demo coordinator",
            "--password", password, "--statement", EXAMPLE_SLUG, env=env)
        credentials.write_text(f"{email}\n{password}\n")
        credentials.chmod(0o600)
    email, password = credentials.read_text().split()
    return email, password


def stop_like_ctrl_c(signum: int, frame: object) -> None:
    """Stopped by a service manager or `timeout` rather than Ctrl+C: stop the children too."""
    raise KeyboardInterrupt


def start() -> None:
    install()
    weasyprint_libraries()
    env = development_env()
    flask = [str(BIN / "flask")]
    say("migrating the database")
    run(*flask, "db", "upgrade", env=env)
    say("importing the example statement")
    run(*flask, "import-statement", EXAMPLE, "--slug", EXAMPLE_SLUG, "--publish",
        "--skip-existing", env=env)

    instance = ROOT / "instance"
    email, password = demo_coordinator(flask, env, instance / "demo-coordinator.txt")
    say("starting the Celery worker, and beat (its schedule) beside it")
    # Warnings only: at INFO the relay's run every second would bury the addresses
    # printed below; captured mail is at /dev/mail.
    worker = subprocess.Popen(
        [str(BIN / "celery"), "-A", "worker:celery_app", "worker", "--pool=solo",
         "--loglevel=WARNING"],
        cwd=ROOT, env=env)
    # A process of its own, as in production: beat inside the worker shares kombu's
    # declared queues with the tasks that publish, and on the SQLite broker its
    # channel is then found closed ("channel disconnected").
    beat = subprocess.Popen(
        [str(BIN / "celery"), "-A", "worker:celery_app", "beat", "--loglevel=WARNING",
         f"--schedule={instance / 'celerybeat-schedule'}"],
        cwd=ROOT, env=env)
    say("starting the web server")
    web = subprocess.Popen(
        [*flask, "run", "--host", "127.0.0.1", "--port", env["PORT"], "--no-reload"],
        cwd=ROOT, env=env)
    processes = [web, worker, beat]
    signal.signal(signal.SIGTERM, stop_like_ctrl_c)
    try:
        base = f"http://{env['SERVER_NAME']}"
        wait_until_serving(base + "/", web)
        print(f"""
  Undersigned is running.

  The example statement:  {base}/s/{EXAMPLE_SLUG}
  Captured e-mail:        {base}/dev/mail
  All statements:         {base}/
  Coordinators sign in:   {base}/coordinate/  as {email}, password {password}

  Press Ctrl+C to stop the web server, the worker and beat.
""", flush=True)
        while all(process.poll() is None for process in processes):
            time.sleep(0.5)
        raise SystemExit("a process stopped; see its output above")
    except KeyboardInterrupt:
        say("stopping")
    finally:
        # A second Ctrl+C, or a service manager's SIGTERM on top of its own to the
        # process group, must not cut the stopping short and leave a child behind.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def test(pytest_args: list[str]) -> None:
    install()
    weasyprint_libraries()
    os.chdir(ROOT)
    os.execv(PYTHON, [str(PYTHON), "-m", "pytest", *pytest_args])


def main() -> None:
    command, *rest = sys.argv[1:] or ["help"]
    if command == "start":
        start()
    elif command == "test":
        test(rest)
    else:
        print(__doc__)
        sys.exit(0 if command in {"help", "-h", "--help"} else 2)


if __name__ == "__main__":
    main()
