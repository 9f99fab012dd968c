# Metadata lives in pyproject.toml; the package layout is here because pyproject cannot mix a package
# search with mapped folders.
from setuptools import find_namespace_packages, setup

# The top-level schemas/ and migrations/ folders ship inside the package (a wheel carries them), where
# the configuration (scheming) and the Alembic set-up of each plugin name them.
DATA_PACKAGES = {"ckanext.govcatalog.schemas": "schemas", "ckanext.govcatalog.migrations": "migrations"}

setup(
    packages=find_namespace_packages(include=["ckanext*"]) + list(DATA_PACKAGES),
    package_dir=DATA_PACKAGES,  # package data: pyproject.toml
)
