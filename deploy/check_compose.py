"""Run docker-compose.yml and check what README's "Running more than one" says of it.

    SECRET_KEY=... python3 deploy/check_compose.py     (or SECRET_KEY in .env)

It needs Docker with compose (`docker compose`, or the older `docker-compose`) and the
images the file names; it builds the app's image. It starts the whole stack, imports
the example statement, and checks, from two client containers on the stack's network
(two addresses, as two people would be):

- both web replicas pass their health check (/healthz) and serve requests, through
  the proxy only;
- a client over the signing limit is held while the other client is not: the limits
  count per client, in Redis, whichever replica takes the form;
- the worker mails the confirmation and can print the letters' PDFs;
- with one replica stopped, every request is still answered.

Then it takes the stack down with its volumes. It exits 1 at the first check that
fails, saying which. The tests run the same topology without Docker (tests/deploy/);
this is for a machine that has Docker, as CI's does not.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "undersigned-check"
SLUG = "crimea-2020"
# The address SERVER_NAME names in docker-compose.yml: the app answers no other.
PROXY = "http://localhost:8000"

# Run in a client container with python: open the statement, sign with each address
# given, print the status and Location of each answer as JSON.
_CLIENT = r"""
import http.cookiejar, json, re, sys, urllib.error, urllib.parse, urllib.request
class Stay(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
opener = urllib.request.build_opener(
    urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), Stay)
def send(path, fields=None):
    request = urllib.request.Request(
        "http://proxy:8000" + path, method="POST" if fields else "GET",
        data=urllib.parse.urlencode(fields).encode() if fields else None,
        headers={"Host": "localhost:8000", "Origin": "http://localhost:8000"})
    try:
        with opener.open(request) as answer:
            return answer.status, answer.read().decode(), answer.headers
    except urllib.error.HTTPError as answer:
        return answer.code, answer.read().decode(), answer.headers
answers = []
for email in sys.argv[2:]:
    status, page, _ = send("/s/" + sys.argv[1])
    token = re.search(r'name="person-csrf_token"[^>]*value="([^"]+)"', page).group(1)
    status, _, headers = send("/s/" + sys.argv[1] + "/sign", {
        "person-name": email.split("@")[0], "person-email": email, "person-country": "UA",
        "person-name_display": "full", "person-csrf_token": token})
    answers.append([status, headers.get("Location")])
print(json.dumps(answers))
"""


def compose_command() -> list[str]:
    if shutil.which("docker") and subprocess.run(
            ["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose", "-p", PROJECT]
    if shutil.which("docker-compose"):
        return ["docker-compose", "-p", PROJECT]
    sys.exit("Docker with compose is needed (`docker compose` or `docker-compose`).")


COMPOSE = compose_command()


def run(*command: str, stdin: str | None = None) -> str:
    done = subprocess.run(command, cwd=ROOT, input=stdin, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{done.stdout}{done.stderr}")
    return done.stdout


def compose(*arguments: str, stdin: str | None = None) -> str:
    return run(*COMPOSE, *arguments, stdin=stdin)


def check(what: str, holds: bool, seen: object) -> None:
    print(f"{'ok ' if holds else 'NO '} {what}: {seen}")
    if not holds:
        sys.exit(1)


def wait_for_proxy(deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(PROXY + "/", timeout=5):
                return
        except OSError:
            time.sleep(1)
    sys.exit(f"nothing answered at {PROXY}")


def sql(query: str) -> list[str]:
    out = compose("exec", "-T", "postgres", "psql", "-U", "undersigned", "-d", "undersigned",
                  "-At", "-c", query)
    return out.split()


def containers(service: str) -> list[str]:
    return compose("ps", "-q", service).split()


def client_container(network: str, image: str) -> str:
    return run("docker", "run", "-d", "--rm", "--network", network, image,
               "sleep", "600").strip()


def sign_from(client: str, *emails: str) -> list[list[object]]:
    return json.loads(run("docker", "exec", "-i", client, "python", "-", SLUG, *emails,
                          stdin=_CLIENT))


def main() -> None:
    if not os.environ.get("SECRET_KEY") and not (ROOT / ".env").exists():
        sys.exit("Set SECRET_KEY (see the top of docker-compose.yml).")
    clients: list[str] = []
    try:
        compose("up", "-d", "--build")
        wait_for_proxy(time.monotonic() + 180)
        compose("exec", "-T", "web", "flask", "--app", "campaign", "import-statement",
                "campaign/demo/crimea-statement-2020.txt", "--slug", SLUG, "--publish")

        web = containers("web")
        check("two web replicas run", len(web) == 2, len(web))
        health = [json.loads(run("docker", "inspect", container))[0]["State"]["Health"][
            "Status"] for container in web]
        check("each replica's health check (/healthz) passes", health == ["healthy"] * 2,
              health)
        inspected = json.loads(run("docker", "inspect", web[0]))[0]
        network = next(iter(inspected["NetworkSettings"]["Networks"]))
        clients = [client_container(network, inspected["Image"]) for _ in range(2)]

        crowded = sign_from(clients[0], "first@example.org", "second@example.org")
        neighbour = sign_from(clients[1], "neighbour@example.org")
        check("every form is answered alike",
              {tuple(answer) for answer in crowded + neighbour} == {
                  (302, f"/s/{SLUG}/check-your-email")}, crowded + neighbour)
        statuses = dict(line.split("|") for line in sql(
            "SELECT email || '|' || status FROM individual_signature ORDER BY id"))
        check("the second signature from one client is held, the other client's is not",
              statuses == {"first@example.org": "unconfirmed",
                           "second@example.org": "suspected",
                           "neighbour@example.org": "unconfirmed"}, statuses)

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(sql(
                "SELECT id FROM outbox_message WHERE status = 'sent'")) < 2:
            time.sleep(1)
        mailed = sql("SELECT to_address FROM outbox_message WHERE status = 'sent' ORDER BY id")
        check("the worker mailed both confirmations",
              mailed == ["first@example.org", "neighbour@example.org"], mailed)

        logs = compose("logs", "--no-color", "web")
        served = {line.split("|")[0].strip() for line in logs.splitlines()
                  if f" /s/{SLUG}" in line}
        check("both replicas took the clients' requests", len(served) == 2, sorted(served))

        printed = compose("exec", "-T", "worker", "python", "-c", (
            "from campaign import create_app; from campaign.extensions import db\n"
            "from campaign.statements.models import Statement\n"
            "from campaign.letters.building import build_letter\n"
            "from campaign.letters.pdf import render_letter_pdf\n"
            "from sqlalchemy import select\n"
            "with create_app().app_context():\n"
            "    statement = db.session.scalars(select(Statement)).one()\n"
            "    print(render_letter_pdf(build_letter(statement.addressees[0]))[:5])"))
        check("the worker prints a letter's PDF", "%PDF-" in printed, printed.strip())

        run("docker", "stop", web[1])
        answers = []
        for _ in range(6):
            with urllib.request.urlopen(f"{PROXY}/s/{SLUG}", timeout=30) as answer:
                answers.append(answer.status)
        check("with one replica stopped, every request is answered",
              answers == [200] * 6, answers)
    finally:
        for client in clients:
            subprocess.run(["docker", "rm", "-f", client], capture_output=True)
        subprocess.run([*COMPOSE, "down", "-v"], cwd=ROOT, capture_output=True)


if __name__ == "__main__":
    main()
