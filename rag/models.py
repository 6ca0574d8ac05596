"""Knowledge articles written by staff in the admin, indexed with the Markdown documents."""
from __future__ import annotations

from django.db import models
from django.utils import timezone


class KnowledgeArticle(models.Model):
    slug = models.SlugField(unique=True, help_text="The help page's address: /help/<slug>/")
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Markdown. Start each section with '## A question a customer would ask'.")
    published = models.BooleanField(default=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        self.updated_at = timezone.now()
        super().save(*args, **kwargs)
