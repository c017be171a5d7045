"""WSGI entry point (gunicorn hubportal.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hubportal.settings")

application = get_wsgi_application()
