"""Rebuild the knowledge index in the background when staff change an article."""
from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from rag.models import KnowledgeArticle


@receiver([post_save, post_delete], sender=KnowledgeArticle)
def knowledge_article_changed(sender: type, instance: KnowledgeArticle, **kwargs: object) -> None:
    from rag.tasks import knowledge_index_rebuild

    transaction.on_commit(knowledge_index_rebuild.delay)
