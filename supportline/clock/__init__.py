"""The clock process: the one APScheduler BlockingScheduler of an installation.

Jobs are declared in `jobs.JOBS` with stable ids. The scheduler only decides when to
try; whether a job's work is due (and done exactly once) is decided by the database.
"""

from __future__ import annotations

import logging

from supportline.dates import LOCAL_TZ

log = logging.getLogger(__name__)


def build_scheduler(app, scheduler_cls=None):
    # APScheduler is imported here, by the clock process, rather than by every process that
    # loads the `supportline clock` command (about 0.07 s of each one's start).
    from supportline.clock.jobs import JOBS

    if scheduler_cls is None:
        from apscheduler.schedulers.blocking import BlockingScheduler

        scheduler_cls = BlockingScheduler

    scheduler = scheduler_cls(timezone=LOCAL_TZ,
                              job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600})
    for job in JOBS:
        scheduler.add_job(_in_app_context, job.trigger, args=[app, job.func], id=job.id, name=job.name,
                          replace_existing=True, **job.trigger_args)
    return scheduler


def _in_app_context(app, func):
    with app.app_context():
        try:
            func()
        except Exception:
            log.exception("clock job %s failed", func.__name__)
            from supportline.extensions import db

            db.session.rollback()


def run_clock(app) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s clock %(levelname)s %(message)s")
    scheduler = build_scheduler(app)
    # Catch up at start: whatever the ledger lacks runs now, not at the next trigger.
    from supportline.clock.jobs import JOBS

    for job in JOBS:
        if job.run_at_start:
            _in_app_context(app, job.func)
    log.info("clock started with jobs: %s", ", ".join(job.id for job in scheduler.get_jobs()))
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        log.info("clock stopped")
