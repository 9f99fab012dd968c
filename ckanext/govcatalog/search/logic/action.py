"""The synonym list of search (see search/synonyms.py): read, add, change and remove groups."""
from __future__ import annotations

from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.types import Context, DataDict

from ckanext.govcatalog import access
from ckanext.govcatalog.search import synonyms

__all__ = ["govcatalog_synonym_list", "govcatalog_synonym_create", "govcatalog_synonym_update",
           "govcatalog_synonym_delete"]


def _terms(data_dict: DataDict) -> list[str]:
    try:
        return synonyms.clean_terms((data_dict or {}).get("terms"))
    except tk.Invalid as error:
        raise tk.ValidationError({"terms": [str(error.error)]}) from error


def _group(data_dict: DataDict) -> synonyms.SynonymGroup:
    group = synonyms.get((data_dict or {}).get("id"))
    if group is None:
        raise tk.ObjectNotFound(tk._("Synonym group not found"))
    return group


def _actor(context: Context) -> Any:
    user = access.user_from_context(context)
    return user.id if user is not None else None


def _saved(group: synonyms.SynonymGroup) -> dict[str, Any]:
    model.repo.commit()
    synonyms.invalidate()
    return group.as_dict()


@tk.side_effect_free
def govcatalog_synonym_list(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """The synonym groups searched as one (a query word equal to one term also finds the others).
    Catalog managers (sysadmins) only.

    :returns: a list of ``{"id", "terms", "modified"}``, ordered by first term
    """
    tk.check_access("govcatalog_synonym_list", context, data_dict)
    groups = model.Session.query(synonyms.SynonymGroup).all()
    return sorted((g.as_dict() for g in groups), key=lambda g: g["terms"][0].lower())


def govcatalog_synonym_create(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Add a synonym group. Catalog managers (sysadmins) only.

    :param terms: two to 20 terms (Thai or English, up to 4 words each), as a list or as text with
        one term per line or comma
    :type terms: list of strings or string
    :returns: the group
    """
    tk.check_access("govcatalog_synonym_create", context, data_dict)
    group = synonyms.SynonymGroup(terms=_terms(data_dict), modified_by=_actor(context))
    model.Session.add(group)
    return _saved(group)


def govcatalog_synonym_update(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Replace the terms of a synonym group. Catalog managers (sysadmins) only.

    :param id: the group's id
    :type id: string
    :param terms: the new terms (as for ``govcatalog_synonym_create``)
    :type terms: list of strings or string
    :returns: the group
    """
    tk.check_access("govcatalog_synonym_update", context, data_dict)
    group = _group(data_dict)
    terms = _terms(data_dict)
    group.terms, group.modified, group.modified_by = terms, synonyms.now(), _actor(context)
    return _saved(group)


def govcatalog_synonym_delete(context: Context, data_dict: DataDict) -> None:
    """Remove a synonym group. Catalog managers (sysadmins) only.

    :param id: the group's id
    :type id: string
    """
    tk.check_access("govcatalog_synonym_delete", context, data_dict)
    model.Session.delete(_group(data_dict))
    model.repo.commit()
    synonyms.invalidate()
