from django_tasks import task

from himaya.jobs.services import job_run


@task()
def run_job(job_id: int) -> str:
    """Thin: the service does the work and records the outcome on the Job row."""
    return job_run(job_id).status
