from django.db.models import QuerySet

from himaya.portal.models import Article


def published_articles() -> QuerySet[Article]:
    return Article.objects.filter(is_published=True)
