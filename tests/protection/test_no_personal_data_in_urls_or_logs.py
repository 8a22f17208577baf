"""P11: a known person goes through register, search (registry page, distribution check-in,
API), view, reveal, deliver and export; neither the URLs (what access logs keep) nor the logs,
captured at DEBUG, hold their name, phone or document number."""

from __future__ import annotations

import io
import logging
import re
from urllib.parse import unquote

import pytest
from django.db import connection
from django.urls import reverse

from himaya.protection.log_filters import RedactQueryStrings
from himaya.registry.models import Person
from tests.assistance.factories import DAY, distribution_of, kind, programme_of
from tests.registry.factories import make_person

pytestmark = pytest.mark.django_db

GIVEN, FAMILY, PHONE, DOCUMENT = "Zeinabou", "Traoré", "0677889900", "ZT7788990"
SECRETS = [GIVEN, FAMILY, "Traore", PHONE, PHONE[1:], "677 88 99 00", DOCUMENT]
URL_ATTRIBUTE = re.compile(r'(?:href|action|src|hx-get|hx-post|formaction)="([^"]*)"')


@pytest.fixture
def captured():  # noqa: ANN201
    """Everything Django and Himaya log at DEBUG, through the settings' filter; the loggers that
    settings pin higher (templates, SQL: they would print identifiers) keep their level, and SQL
    debugging is on so that a pin removed would show here."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setLevel(logging.DEBUG)
    handler.addFilter(RedactQueryStrings())
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    loggers = [logging.getLogger(name) for name in ("", "django", "himaya", "django.server",
                                                    "django.request")]
    levels = [logger.level for logger in loggers]
    root = logging.getLogger()
    root.addHandler(handler)
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    connection.force_debug_cursor = True
    yield stream
    connection.force_debug_cursor = False
    root.removeHandler(handler)
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


class Recorder:
    """A client that remembers every URL it asked for, was sent to, or was shown in a page."""

    def __init__(self, client) -> None:  # noqa: ANN001
        self.client = client
        self.urls: list[str] = []

    def __call__(self, method: str, url: str, data: dict | None = None, **extra: str):  # noqa: ANN204
        response = getattr(self.client, method)(url, data or {}, **extra)
        request = response.request
        self.urls.append(request["PATH_INFO"] + "?" + request.get("QUERY_STRING", ""))
        if response.has_header("Location"):
            self.urls.append(response["Location"])
        if "html" in response.get("Content-Type", ""):
            self.urls += URL_ATTRIBUTE.findall(response.content.decode())
        return response


def _leaks(text: str) -> list[str]:
    text = unquote(text)
    return [secret for secret in SECRETS if secret.lower() in text.lower()]


def test_a_known_person_never_appears_in_urls_or_logs(world, captured):
    go = Recorder(world.client_for("agent_a"))
    response = go("post", reverse("registry:person-register"), {
        "given_name": GIVEN, "family_name": FAMILY, "sex": "female", "birth_precision": "year",
        "birth_year": "1991", "phone": PHONE, "document_kind": "passport",
        "document_number": DOCUMENT, "legal_basis": "consent", "consent_registration": "on",
        "consent_assistance": "on", "consent_follow_up": "on",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    person = Person.objects.get()
    assert person.given_name == GIVEN
    detail = go("get", response["Location"])
    assert detail.status_code == 200

    # Search as the page does it (htmx posts the box), by name and by phone, and the full page.
    search = reverse("registry:person-list")
    page = go("get", search).content.decode()
    assert 'hx-post="' + search in page and "hx-get=\"" + search not in page
    for query in (GIVEN, PHONE):
        found = go("post", search, {"q": query}, HTTP_HX_REQUEST="true")
        assert person.code_display in found.content.decode()
    assert person.code_display in go("post", search, {"q": FAMILY}).content.decode()

    # The distribution check-in page (a phone, at the distribution) posts its search too.
    distribution = distribution_of(world.partner_a, [person], status="in_progress")
    check_in = reverse("assistance:distribution-check-in", args=[distribution.pk])
    page = go("get", check_in).content.decode()
    assert 'hx-post="' + check_in in page and 'hx-get="' + check_in not in page
    for query in (GIVEN, PHONE):
        found = go("post", check_in, {"q": query}, HTTP_HX_REQUEST="true").content.decode()
        assert person.code_display in found and 'data-testid="confirm-deliver"' in found
    assert person.code_display in go("post", check_in, {"q": FAMILY}).content.decode()

    # The API's search takes the query in a JSON body; GET ?q= only a code.
    api_search = reverse("api-person-search")
    for query in (GIVEN, PHONE, person.code_display):
        found = go("post", api_search, {"q": query}, content_type="application/json").json()
        assert [row["code"] for row in found["results"]] == [person.code_display], query
    by_code = go("get", reverse("api-person-list"), {"q": person.code_display}).json()
    assert [row["code"] for row in by_code["results"]] == [person.code_display]

    go("get", reverse("registry:person-edit", args=[person.pk]))
    go("get", reverse("registry:person-history", args=[person.pk]))
    go("get", reverse("assistance:person-panel", args=[person.pk]), HTTP_HX_REQUEST="true")
    revealed = go("post", reverse("registry:person-reveal", args=[person.pk]), {"what": "phone"})
    assert "677" in revealed.content.decode()  # the reveal works; its URL holds no value
    export = go("post", reverse("registry:person-export", args=[person.pk]))
    assert export.status_code == 200
    # The file is named by the code, never the name (it lands in a downloads folder).
    assert person.code in export["Content-Disposition"] and not _leaks(export["Content-Disposition"])
    delivered = go("post", reverse("assistance:delivery-new"), {
        "recipient": person.code, "programme": programme_of(world.partner_a).pk,
        "assistance_type": kind("food-voucher").pk, "quantity": "1", "delivered_on": DAY.isoformat()})
    assert delivered.status_code in (200, 302)
    assert person.deliveries.count() == 1

    assert go("get", reverse("registry:person-detail", args=[person.pk + 1000])).status_code == 404

    logs = captured.getvalue()
    # The capture works: the refused request is there...
    assert f"Not Found: /registry/people/{person.pk + 1000}/" in logs
    # ...and nothing of who the person is.
    assert _leaks(logs) == [], [line[:150] + " ... " + line[-150:] for line in logs.splitlines() if _leaks(line)][:5]
    assert [url for url in go.urls if _leaks(url)] == []


def test_names_in_a_query_string_are_refused_not_searched(world):
    """A client still sending a name or phone in GET ?q= is told to POST it (and finds no one),
    so that it is fixed instead of writing names to access logs for ever."""
    person = make_person(world.partner_a, given_name=GIVEN, family_name=FAMILY, phone=PHONE)
    client = world.client_for("coord_a")
    for query in (GIVEN, PHONE, f"{GIVEN} {FAMILY}"):
        refused = client.get(reverse("api-person-list"), {"q": query})
        assert refused.status_code == 400 and "POST /api/v1/people/search/" in refused.json()["q"][0]
    assert client.get(reverse("api-person-list"), {"q": person.code_display}).json()["count"] == 1
    # The check-in page ignores a name in its query string: the page, no search.
    distribution = distribution_of(world.partner_a, [person], status="in_progress")
    check_in = reverse("assistance:distribution-check-in", args=[distribution.pk])
    agent = world.client_for("agent_a")
    assert person.code_display not in agent.get(check_in, {"q": GIVEN}).content.decode()
    assert person.code_display in agent.get(check_in, {"q": person.code_display}).content.decode()


def test_the_configured_handlers_redact_query_strings():
    """runserver's access lines and every other record go out through the filtered handler."""
    buffer = io.StringIO()
    # The settings' handlers (pytest adds its own capturing ones beside them).
    handlers = [h for name in ("", "django.server") for h in logging.getLogger(name).handlers
                if type(h) is logging.StreamHandler]
    assert len(handlers) == 2 and all(any(isinstance(f, RedactQueryStrings) for f in h.filters) for h in handlers)
    previous = [h.setStream(buffer) for h in handlers]
    try:
        logging.getLogger("django.server").info('"%s" %s %s', f"GET /registry/?q={GIVEN}&x=1 HTTP/1.1", 200, 5)
        logging.getLogger("himaya").warning("slow request /api/v1/people/?q=%s", PHONE)
    finally:
        for handler, stream in zip(handlers, previous, strict=True):
            handler.setStream(stream)
    logs = buffer.getvalue()
    assert "GET /registry/?… HTTP/1.1" in logs and "/api/v1/people/?…" in logs
    assert _leaks(logs) == []
