"""The Hub Portal's project package: settings, URL root, Celery app and shared building blocks."""

from .celery import app as celery_app

__all__ = ["celery_app"]
