import pytest

from himaya.jobs import handlers
from himaya.jobs.models import Job
from himaya.jobs.services import job_start, jobs_directory

pytestmark = pytest.mark.django_db


def _counting(job, progress):
    for done in range(1, 4):
        progress(done, 3, "counting")
    name = f"job-{job.pk}.txt"
    (jobs_directory() / name).write_text("three")
    job.result_file, job.result_filename = name, "result.txt"
    return {"counted": 3}


def _failing(job, progress):
    progress(1, 2, "half way")
    raise ValueError("the file is not a spreadsheet")


@pytest.fixture(autouse=True)
def kinds():
    handlers.register("tests.counting", _counting)
    handlers.register("tests.failing", _failing)


def test_a_job_runs_in_the_worker_and_records_progress_and_result(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(kind="tests.counting", owner=world.users["agent_a"])
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert (job.progress_done, job.progress_total, job.percent) == (3, 3, 100)
    assert job.result == {"counted": 3}
    client = world.client_for("agent_a")
    page = client.get(f"/jobs/{job.pk}/")
    assert b"<progress" in page.content
    download = client.get(f"/jobs/{job.pk}/download/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"three"
    # Another user of the same association does not see it.
    assert world.client_for("coord_a").get(f"/jobs/{job.pk}/").status_code == 404


def test_a_failing_job_is_marked_failed_with_its_reason(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(kind="tests.failing", owner=world.users["agent_a"])
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "not a spreadsheet" in job.error
    assert job.progress_done == 1


def test_an_unknown_kind_is_refused_before_anything_is_queued(world):
    with pytest.raises(LookupError):
        job_start(kind="tests.nothing", owner=world.users["agent_a"])
    assert not Job.objects.exists()


def test_the_progress_fragment_polls_until_finished(world):
    job = Job.objects.create(kind="tests.counting", owner=world.users["agent_a"],
                             progress_done=1, progress_total=4)
    body = world.client_for("agent_a").get(f"/jobs/{job.pk}/progress/").content.decode()
    assert 'hx-trigger="every 1s"' in body and 'value="25"' in body
