import datetime as dt

import pytest
from django.test import Client

from himaya.portal.models import Article, Page

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    Page.objects.create(section="about", title_fr="Qui sommes-nous", title_ar="من نحن",
                        title_en="Who we are", body_fr="Depuis 2007.", body_ar="منذ 2007.",
                        body_en="Since 2007.")
    Article.objects.create(slug="published", title_fr="Clôture", title_ar="اختتام",
                           body_fr="Texte", published_on=dt.date(2022, 12, 12), is_published=True)
    Article.objects.create(slug="draft", title_fr="Brouillon", body_fr="...",
                           published_on=dt.date(2022, 12, 1), is_published=False)


@pytest.mark.parametrize("path", ["/", "/who-we-are/", "/our-work/", "/news/", "/data/", "/news/published/"])
def test_public_pages_in_three_languages(site, path):
    for language, direction in (("fr", "ltr"), ("ar", "rtl"), ("en", "ltr")):
        client = Client()
        client.cookies["himaya_language"] = language
        response = client.get(path)
        assert response.status_code == 200
        body = response.content.decode()
        assert f'lang="{language}" dir="{direction}"' in body


def test_the_page_text_follows_the_language(site):
    client = Client()
    client.cookies["himaya_language"] = "ar"
    assert "منذ 2007." in client.get("/who-we-are/").content.decode()


def test_unpublished_articles_stay_hidden(site):
    assert Client().get("/news/draft/").status_code == 404
    assert "Brouillon" not in Client().get("/news/").content.decode()


def test_the_axes_are_shown_on_our_work():
    body = Client().get("/our-work/").content.decode()
    assert "Protection et résilience" in body and "Santé" in body


def test_healthz_reports_the_database():
    response = Client().get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok", "database": "ok"}


def test_openapi_schema_is_served_and_valid():
    response = Client().get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/me/" in schema["paths"]
    assert "personalToken" in schema["components"]["securitySchemes"]
