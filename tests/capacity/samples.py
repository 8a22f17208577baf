"""Sample path arguments for the capacity routes (see tests/access_samples.py)."""

from __future__ import annotations

from tests.access_samples import Sample
from tests.capacity import builders as b

SAMPLES: dict[str, Sample] = {
    "capacity:region-dashboard": Sample(lambda w: {"pk": w.partner_a.region_id}),
    "capacity:association-detail": Sample(lambda w: {"pk": w.partner_a.pk}, owner="a"),
    "capacity:profile-edit": Sample(lambda w: {"pk": w.partner_a.pk}, owner="a"),
    "capacity:staff-add": Sample(lambda w: {"pk": w.partner_a.pk}, owner="a"),
    "capacity:assessment-create": Sample(lambda w: {"pk": w.partner_a.pk}, owner="a"),
    "capacity:roadmap-create": Sample(lambda w: {"pk": w.partner_a.pk}, owner="a"),
    "capacity:session-create": Sample(lambda w: {"pk": w.partner_a.pk}, owner="a"),
    "capacity:assessment-detail": Sample(lambda w: {"pk": b.assessment_of(w.partner_a).pk},
                                         owner="a"),
    "capacity:roadmap-detail": Sample(lambda w: {"pk": b.roadmap_of(w.partner_a).pk}, owner="a"),
    "capacity:roadmap-timeline": Sample(lambda w: {"pk": b.roadmap_of(w.partner_a).pk}, owner="a"),
    "capacity:roadmap-pdf": Sample(lambda w: {"pk": b.roadmap_of(w.partner_a).pk}, owner="a"),
    "capacity:roadmap-transition": Sample(lambda w: {"pk": b.roadmap_of(w.partner_a).pk},
                                          owner="a"),
    "capacity:objective-add": Sample(lambda w: {"pk": b.roadmap_of(w.partner_a).pk}, owner="a"),
    "capacity:action-add": Sample(lambda w: {"pk": b.objective_of(w.partner_a).pk}, owner="a"),
    "capacity:action-update": Sample(lambda w: {"pk": b.action_of(w.partner_a).pk}, owner="a"),
    "capacity:evidence-upload": Sample(lambda w: {"pk": b.action_of(w.partner_a).pk}, owner="a"),
    "capacity:evidence-download": Sample(lambda w: {"pk": b.evidence_of(w.partner_a).pk},
                                         owner="a"),
    "capacity:session-detail": Sample(lambda w: {"pk": b.session_of(w.partner_a).pk}, owner="a"),
    "capacity:follow-up-add": Sample(lambda w: {"pk": b.session_of(w.partner_a).pk}, owner="a"),
    "capacity:follow-up-promote": Sample(lambda w: {"pk": b.follow_up_of(w.partner_a).pk},
                                         owner="a"),
    "capacity:event-detail": Sample(lambda w: {"pk": b.event_of(w.partner_a).pk}),
    "api-capacity-roadmap-detail": Sample(lambda w: {"pk": b.roadmap_of(w.partner_a).pk},
                                          owner="a"),
}
