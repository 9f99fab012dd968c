"""The มสพร.1/2566 schema for ckanext-scheming (data, not code); shipped as ckanext.govcatalog.schemas."""
