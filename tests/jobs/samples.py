from tests.access_samples import Sample


def _job(world):
    from himaya.jobs.models import Job
    from himaya.jobs.services import jobs_directory

    job, created = Job.objects.get_or_create(
        kind="tests.sample", owner=world.users["agent_a"],
        defaults={"organisation_id": world.partner_a.pk, "status": Job.Status.SUCCEEDED},
    )
    if created:
        name = f"sample-{job.pk}.txt"
        (jobs_directory() / name).write_text("sample")
        Job.objects.filter(pk=job.pk).update(result_file=name, result_filename="sample.txt")
    return job


# A job is its owner's alone (and the mission administrator's).
_OTHERS = frozenset({"manager", "protection", "me", "coord_a", "coord_b", "donor", "government",
                     "vendor"})

SAMPLES = {
    name: Sample(lambda w: {"pk": _job(w).pk}, owner="a", hidden_from=_OTHERS)
    for name in ("jobs:job-detail", "jobs:job-progress", "jobs:job-download", "api-job-detail")
}
