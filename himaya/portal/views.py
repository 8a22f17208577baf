from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from himaya.accounts.access import public
from himaya.environment import env_list
from himaya.organisations.models import Programme
from himaya.portal.models import Page
from himaya.portal.queries import published_articles
from himaya.reference.models import Region, SniaProgramme, ThematicAxis
from himaya.reporting.dashboard import dashboard_context

# News articles that present the results (the closing event): they show the dashboard's
# headline figures, counted live, under their text.
RESULTS_ARTICLES = env_list("HIMAYA_RESULTS_ARTICLES", ["cloture-nationale-rdpp-maroc"])


def _page(section: str) -> Page | None:
    return Page.objects.filter(section=section).first()


@public
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/home.html",
        {
            "about": _page(Page.Section.ABOUT),
            "axes": ThematicAxis.objects.all(),
            "articles": published_articles()[:3],
        },
    )


@public
def about(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/page.html", {"page": _page(Page.Section.ABOUT)})


@public
def work(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/work.html",
        {
            "page": _page(Page.Section.WORK),
            "axes": ThematicAxis.objects.all(),
            "snia_programmes": SniaProgramme.objects.all(),
        },
    )


@public
def data(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/data.html",
        {
            "page": _page(Page.Section.DATA),
            "regions": Region.objects.all(),
            "programmes": Programme.objects.order_by("-start"),
            **dashboard_context(),
        },
    )


@public
def article_list(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/article_list.html", {"articles": published_articles()})


@public
def article_detail(request: HttpRequest, slug: str) -> HttpResponse:
    article = get_object_or_404(published_articles(), slug=slug)
    context = {"article": article}
    if article.slug in RESULTS_ARTICLES:
        context.update(dashboard_context())
    return render(request, "portal/article_detail.html", context)
