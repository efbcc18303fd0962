"""Celery, bound to the Flask application (Flask's `celery_init_app` pattern).

The web process only publishes task names; the tasks themselves live in `worker/`,
so that nothing in `campaign` imports from the layer above it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import kombu.transport.sqlalchemy
from celery import Celery, Task
from flask import Flask, current_app
from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.orm import Session

from campaign.extensions import db

log = logging.getLogger(__name__)

DELIVER_EMAIL_TASK = "outbox.deliver_email"
RELAY_OUTBOX_TASK = "outbox.relay"
ANSWER_MAIL_REQUESTS_TASK = "outbox.answer_mail_requests"
PURGE_BROKER_TASK = "broker.purge_consumed_messages"
NOTIFY_SIGNERS_OF_REPLY_TASK = "letters.notify_signers_of_reply"
FAN_OUT_UPDATE_TASK = "updates.fan_out"
RESUME_UPDATE_FAN_OUTS_TASK = "updates.resume_fan_outs"
DELETE_EXPIRED_UNCONFIRMED_TASK = "retention.delete_expired_unconfirmed"
ERASE_ADDRESSES_AFTER_CLOSE_TASK = "retention.erase_addresses_after_close"
SEND_DIGESTS_TASK = "digests.send_due"
ANNOUNCE_MILESTONES_TASK = "digests.announce_milestones"
CLOSE_STATEMENTS_PAST_DEADLINE_TASK = "digests.close_statements_past_deadline"
# Named when bulk invalidation was the abuse area's: tasks waiting in a broker keep it.
INVALIDATE_SIGNATURES_TASK = "abuse.invalidate_signatures"
RESUME_INVALIDATIONS_TASK = "abuse.resume_invalidations"

_TASKS_AFTER_COMMIT = "undersigned.tasks_after_commit"


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                return self.run(*args, **kwargs)

    settings = app.config["CELERY"]
    if settings["broker_url"].startswith("sqla+"):
        # Given as a transport option this would reach create_engine and crash the
        # worker; the class attribute is the only place kombu reads it from.
        kombu.transport.sqlalchemy.Transport.polling_interval = 0.2
    celery_app = Celery(app.import_name, task_cls=FlaskTask)
    celery_app.config_from_object(settings)
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app


def purge_consumed_broker_messages() -> int:
    """kombu's SQLAlchemy transport keeps every consumed message in `kombu_message`;
    left alone, the embedded broker's file grows for ever."""
    broker_url: str = current_app.config["CELERY"]["broker_url"]
    if not broker_url.startswith("sqla+"):
        return 0
    engine = create_engine(broker_url.removeprefix("sqla+"), hide_parameters=True)
    try:
        with engine.begin() as connection:
            if not inspect(connection).has_table("kombu_message"):
                return 0
            return connection.execute(
                text("DELETE FROM kombu_message WHERE visible = :consumed"), {"consumed": False}
            ).rowcount
    finally:
        engine.dispose()


def enqueue(task_name: str, args_list: Iterable[tuple[Any, ...]]) -> None:
    """Publish tasks by name; a broker that is down is logged, never raised, because
    whatever the tasks would do is already safe in the database and swept later."""
    celery_app: Celery = current_app.extensions["celery"]
    try:
        with celery_app.producer_or_acquire() as producer:
            for args in args_list:
                celery_app.send_task(task_name, args=args, producer=producer)
    except Exception:
        # E-mails are relayed again after a while, fan-outs resumed (worker/beat.py).
        log.warning("could not publish %s; beat will pick it up", task_name, exc_info=True)


TaskArgs = tuple[Any, ...]


def enqueue_after_commit(task_name: str, args: TaskArgs) -> None:
    """Publish a task once the current transaction commits, and not at all if it rolls
    back: a task published before the commit would look for rows it cannot see yet."""
    db.session.info.setdefault(_TASKS_AFTER_COMMIT, []).append((task_name, args))


@event.listens_for(Session, "after_commit")
def _publish_tasks_after_commit(session: Session) -> None:
    # SQLAlchemy calls this when a savepoint is released too; the real commit, and
    # with it the rows the tasks look for, is still to come.
    if session.in_nested_transaction():
        return
    tasks: dict[str, list[TaskArgs]] = {}
    for task_name, args in session.info.pop(_TASKS_AFTER_COMMIT, []):
        tasks.setdefault(task_name, []).append(args)
    for task_name, args_list in tasks.items():
        enqueue(task_name, args_list)


@event.listens_for(Session, "after_rollback")
def _forget_tasks_of_rolled_back_transaction(session: Session) -> None:
    # A savepoint rolled back: the tasks queued before it still stand.
    if not session.in_nested_transaction():
        session.info.pop(_TASKS_AFTER_COMMIT, None)
