from django.contrib import admin

from himaya.portal.models import Article, Page


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    list_display = ["section", "title_fr", "updated_at"]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title_fr", "kind", "published_on", "is_published"]
    list_filter = ["kind", "is_published"]
    prepopulated_fields = {"slug": ["title_fr"]}
