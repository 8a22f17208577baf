"""The programme manager prepares the donor report: a job with a progress bar, then the PDF."""

from __future__ import annotations

import datetime as dt

from himaya.jobs.models import Job
from himaya.organisations.models import Programme
from tests.assistance.factories import ensure_catalogue
from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD
from tests.monitoring import builders as b


def test_manager_prepares_the_donor_report_and_downloads_the_pdf(page, world):  # noqa: ANN001
    ensure_catalogue()  # the live server's database is flushed between tests
    programme = Programme.objects.get(code="rdpp")
    for _ in range(8):
        b.deliver(programme, world.partner_a, "food-kit", dt.date(2021, 3, 1),
                  to=b.person(world.partner_a))
    sign_in(page, "manager", PASSWORD)
    page.wait_for_url("**/accounts/home/")
    page.goto("/reporting/")
    prefix = str(programme.pk)
    page.select_option(f"select[name='{prefix}-language']", "en")
    page.select_option(f"select[name='{prefix}-format']", "pdf")
    page.click(f"form[action$='/programmes/{prefix}/donor-report/'] button[type=submit]")
    page.wait_for_url("**/jobs/**")
    # The job page carries a progress bar that reaches 100 % when the report is ready.
    bar = page.locator("#job-progress progress")
    assert bar.count() == 1
    page.wait_for_function(
        "document.querySelector('#job-progress progress').value == 100", timeout=60_000)
    job = Job.objects.get(kind="reporting.donor_report")
    assert job.status == "succeeded", job.error
    with page.expect_download() as caught:
        page.click("a[href$='/download/']")
    download = caught.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
