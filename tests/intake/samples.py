from tests.access_samples import Sample


def _import(world):
    from himaya.intake.models import ImportBatch

    batch, _ = ImportBatch.objects.get_or_create(
        organisation=world.partner_a, fingerprint="sample",
        defaults={"filename": "sample.csv", "created_by": world.users["agent_a"],
                  "status": ImportBatch.Status.READY, "counts": {"rows": 0}},
    )
    return batch


# An import belongs to partner A's caseload: partner B gets a 404.
SAMPLES = {
    name: Sample(lambda w: {"pk": _import(w).pk}, owner="a")
    for name in ("intake:import-detail", "intake:import-apply", "api-import-detail", "api-import-apply")
}
