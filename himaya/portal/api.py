from rest_framework import generics, serializers

from himaya.portal.models import Article
from himaya.portal.queries import published_articles


class ArticleOutput(serializers.ModelSerializer):
    class Meta:
        model = Article
        fields = [
            "slug", "kind", "title_fr", "title_ar", "title_en", "summary_fr", "summary_ar",
            "summary_en", "published_on", "event_starts_at", "event_ends_at", "event_place",
        ]


class PublicArticleListApi(generics.ListAPIView):
    """Published news and events; open to anyone."""

    public_api = True
    authentication_classes: list = []
    serializer_class = ArticleOutput

    def get_queryset(self):  # noqa: ANN201
        return published_articles()
