"""The Celery worker: `celery -A worker worker` (add `--beat`, or run `celery -A worker beat`).

It builds the Flask application and takes Celery from it, so every task runs inside
an application context with the same settings as the web process. The tasks are in
each area's tasks.py (campaign.TASK_AREAS).
"""

from campaign import TASK_AREAS, create_app
from worker.beat import beat_schedule

flask_app = create_app()
celery_app = flask_app.extensions["celery"]
celery_app.conf.beat_schedule = beat_schedule(flask_app.config)
celery_app.autodiscover_tasks([f"campaign.{area}" for area in TASK_AREAS], related_name="tasks",
                              force=True)
