"""The WSGI application for production servers (gunicorn): CKAN built from the ini in CKAN_INI.

    CKAN_INI=/etc/ckan/ckan.ini gunicorn -c deploy/gunicorn.conf.py deploy.wsgi:application
"""
import os

from ckan.cli import load_config
from ckan.config.middleware import make_app

application = make_app(load_config(os.environ.get("CKAN_INI", "ckan.ini")))
