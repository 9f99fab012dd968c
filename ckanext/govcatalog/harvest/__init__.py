"""Harvest interoperability: the change feed (always on, registered by the base plugin), the DCAT
profile, and the ``govcatalog_harvester`` plugin for aggregating catalogs."""
