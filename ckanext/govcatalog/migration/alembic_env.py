"""The Alembic environment every govcatalog plugin uses: each plugin keeps its own version table."""
from __future__ import annotations

import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import engine_from_config, pool


def run_migrations(env_file: str) -> None:
    """Run the migrations of the plugin whose scripts folder holds ``env_file``.

    The folder name is the plugin name: govcatalog_search -> govcatalog_search_alembic_version.
    """
    config = context.config
    if config.config_file_name:
        fileConfig(config.config_file_name)
    plugin_name = os.path.basename(os.path.dirname(os.path.abspath(env_file)))
    version_table = f"{plugin_name}_alembic_version"
    if context.is_offline_mode():
        context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True,
                          version_table=version_table)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = engine_from_config(config.get_section(config.config_ini_section) or {}, prefix="sqlalchemy.",
                                poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, version_table=version_table)
        with context.begin_transaction():
            context.run_migrations()
