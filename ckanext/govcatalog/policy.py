"""The one classification policy: who sees a dataset's metadata and files, and where it may go.

Plain functions over plain facts, no CKAN imports: every surface (auth functions, permission
labels, resource hiding, search, DCAT, harvest, sync) asks these functions, through
``ckanext.govcatalog.access`` which turns CKAN objects into the facts below.

The rules (มสพร.1/2566 and the government data-classification guideline):
- เปิดเผย (open): once published, anyone sees the metadata and the files.
- ชั้นเผยแพร่ภายในองค์กร, ลับ, ลับมาก: once published, listed with metadata only ("ไม่แสดงไฟล์ข้อมูล
  และทรัพยากร"); the files reach only members of the owning organization.
- ลับที่สุด (top secret): seen only by the owning organization's admins, its approvers, the creator
  and sysadmins; never listed publicly and never leaves the catalog.
- Before publication nothing is disclosed: only the owning organization's members (and for top
  secret, only the people above) see it.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Optional

OPEN = "เปิดเผย"
INTERNAL = "ชั้นเผยแพร่ภายในองค์กร"
CONFIDENTIAL = "ลับ"
SECRET = "ลับมาก"
TOP_SECRET = "ลับที่สุด"
LEVELS = (OPEN, INTERNAL, CONFIDENTIAL, SECRET, TOP_SECRET)

PUBLIC_DATA = "ข้อมูลสาธารณะ"
INTERNAL_DATA = "ข้อมูลใช้ภายใน"
PERSONAL_DATA = "ข้อมูลส่วนบุคคล"
SECURITY_DATA = "ข้อมูลความมั่นคง"
OFFICIAL_SECRET_DATA = "ข้อมูลความลับทางราชการ"
CATEGORIES = (PUBLIC_DATA, INTERNAL_DATA, PERSONAL_DATA, SECURITY_DATA, OFFICIAL_SECRET_DATA)

# Category -> the classification levels the guideline allows for it.
ALLOWED_LEVELS: dict[str, tuple[str, ...]] = {
    PUBLIC_DATA: (OPEN,),
    INTERNAL_DATA: (INTERNAL,),
    PERSONAL_DATA: (INTERNAL, CONFIDENTIAL, SECRET),
    OFFICIAL_SECRET_DATA: (CONFIDENTIAL, SECRET, TOP_SECRET),
    SECURITY_DATA: (CONFIDENTIAL, SECRET, TOP_SECRET),
}

# What public data gets when the editor leaves these empty.
PUBLIC_ACCESS_CONDITION = "ไม่มีการจำกัดการเข้าถึงข้อมูล"

PUBLISHED = "published"
# A published dataset stays disclosed while its withdrawal is being requested.
DISCLOSED_STATES = frozenset({PUBLISHED, "withdrawal_requested"})
ORG_ROLES_THAT_SEE_TOP_SECRET = frozenset({"admin"})


class Disclosure(enum.Enum):
    """What may leave the catalog for the national Government Data Catalog."""

    NONE = "none"
    METADATA_ONLY = "metadata_only"
    WITH_FILES = "with_files"


@dataclass(frozen=True)
class DatasetFacts:
    owner_org: Optional[str]
    level: Optional[str]
    creator_user_id: Optional[str] = None
    # published: approved and disclosed. Anything else (draft, pending, rejected, withdrawn,
    # private, deleted) is not disclosed.
    workflow_state: str = PUBLISHED
    category: Optional[str] = None
    # allow_harvest: the owner consents to the entry leaving for the national Government Data Catalog
    # and for harvesters. Only an explicit "False" withholds it (open data is always "True").
    harvest_consent: bool = True


@dataclass(frozen=True)
class UserFacts:
    id: Optional[str] = None  # None: anonymous
    sysadmin: bool = False
    roles: dict[str, str] = field(default_factory=dict)  # organization id -> admin|editor|member
    approver_of: frozenset[str] = frozenset()
    # A harvest account (ckanext.govcatalog.harvest_accounts): a national or provincial puller's
    # service account, which gets exactly what may be harvested whatever else it is.
    harvester: bool = False

    def role_in(self, organization_id: Optional[str]) -> Optional[str]:
        return self.roles.get(organization_id) if organization_id else None


ANONYMOUS = UserFacts()


def effective_level(level: Optional[str]) -> str:
    """An unknown or missing level is treated as restricted (files inside the organization only)."""
    return level if level in LEVELS else INTERNAL


def category_allows(category: Optional[str], level: Optional[str]) -> bool:
    if not isinstance(category, str) or not isinstance(level, str):
        return False
    return level in ALLOWED_LEVELS.get(category, ())


def is_disclosed(dataset: DatasetFacts) -> bool:
    return dataset.workflow_state in DISCLOSED_STATES


def is_top_secret(dataset: DatasetFacts) -> bool:
    return effective_level(dataset.level) == TOP_SECRET


def is_top_secret_insider(dataset: DatasetFacts, user: UserFacts) -> bool:
    """The people who may see a top-secret dataset at all."""
    return (
        user.sysadmin
        or (user.id is not None and user.id == dataset.creator_user_id)
        or user.role_in(dataset.owner_org) in ORG_ROLES_THAT_SEE_TOP_SECRET
        or (dataset.owner_org is not None and dataset.owner_org in user.approver_of)
    )


def is_organization_insider(dataset: DatasetFacts, user: UserFacts) -> bool:
    """Members of the owning organization (any role), its approvers, the creator, sysadmins."""
    return (
        user.sysadmin
        or (user.id is not None and user.id == dataset.creator_user_id)
        or user.role_in(dataset.owner_org) is not None
        or (dataset.owner_org is not None and dataset.owner_org in user.approver_of)
    )


def may_see_metadata(dataset: DatasetFacts, user: UserFacts) -> bool:
    if user.harvester:
        return may_be_harvested(dataset)
    if is_top_secret(dataset):
        return is_top_secret_insider(dataset, user)
    if is_disclosed(dataset):
        return True
    return is_organization_insider(dataset, user)


def may_see_resources(dataset: DatasetFacts, user: UserFacts) -> bool:
    """Whether the user sees the dataset's resources and may download its files."""
    if not may_see_metadata(dataset, user):
        return False
    if user.harvester:
        return gd_catalog_disclosure(dataset) is Disclosure.WITH_FILES
    if is_disclosed(dataset) and effective_level(dataset.level) == OPEN:
        return True
    return is_organization_insider(dataset, user)


def may_be_listed_publicly(dataset: DatasetFacts) -> bool:
    """Whether anonymous visitors find it in search and lists (with or without files)."""
    return is_disclosed(dataset) and not is_top_secret(dataset)


def gd_catalog_disclosure(dataset: DatasetFacts) -> Disclosure:
    """What may be sent to (or harvested by) the Government Data Catalog and other national pullers:
    entries whose owner consented, open data with files, shared data as metadata, never top secret."""
    if not may_be_listed_publicly(dataset) or not dataset.harvest_consent:
        return Disclosure.NONE
    if effective_level(dataset.level) == OPEN:
        return Disclosure.WITH_FILES
    return Disclosure.METADATA_ONLY


def may_be_harvested(dataset: DatasetFacts) -> bool:
    """Whether national harvesters (DCAT catalog, change feed, harvest accounts) get the entry at all."""
    return gd_catalog_disclosure(dataset) is not Disclosure.NONE


def aggregated_disclosure(remote: DatasetFacts) -> Disclosure:
    """What an aggregating catalog (govcatalog_harvester) may keep of an entry another catalog
    published: what national pullers get of it (files for open data, metadata only for shared data,
    nothing when top secret or the owner withheld consent), whatever the source handed out."""
    return gd_catalog_disclosure(remote)


def withdraws_consent(before: DatasetFacts, after: DatasetFacts) -> bool:
    """An edit that withholds consent protects at once, like a stricter level (giving consent,
    like a looser level, waits for approval): the entry leaves the national pullers' view now."""
    return before.harvest_consent and not after.harvest_consent


def may_pull(dataset: DatasetFacts, user: UserFacts) -> bool:
    """What a puller gets of the entry through the change feed: what may be harvested (consented,
    published, not top secret) if the user may see it; the owning organization's insiders (never a
    harvest account) also get their own organization's entries."""
    if not may_see_metadata(dataset, user):
        return False
    return may_be_harvested(dataset) or (not user.harvester and is_organization_insider(dataset, user))


class FeedChange(enum.Enum):
    """How a change of an entry reads for one puller of the change feed."""

    CREATED = "created"  # new to the puller: it may pull it now and could not before
    UPDATED = "updated"  # it could and still may pull it: pull it again
    WITHDRAWN = "withdrawn"  # it could pull it and may no longer: remove its copy
    DELETED = "deleted"  # it could pull it and the entry is gone: remove its copy


def feed_change(before: Optional[DatasetFacts], after: Optional[DatasetFacts], user: UserFacts) -> Optional[FeedChange]:
    """The change as the puller sees it, from the entry's facts before and after (None: it did not
    exist, or no longer does). None: nothing for this puller, which never had it and may not have
    it now (a withdrawal is shown only to pullers that may have had the entry, never its metadata)."""
    had = before is not None and may_pull(before, user)
    has = after is not None and may_pull(after, user)
    if has:
        return FeedChange.UPDATED if had else FeedChange.CREATED
    if not had:
        return None
    return FeedChange.WITHDRAWN if after is not None else FeedChange.DELETED


def may_send_to_data_go_th(dataset: DatasetFacts) -> bool:
    """data.go.th publishes published open data only (with its files)."""
    return may_be_listed_publicly(dataset) and effective_level(dataset.level) == OPEN


# Kinds of push target (the sync room): the national open-data portal, the national Government Data
# Catalog where it grants the agency a token, and any other CKAN (an area catalog).
DATA_GO_TH = "data_go_th"
GD_CATALOG = "gd_catalog"
OTHER_CKAN = "ckan"
TARGET_KINDS = (DATA_GO_TH, GD_CATALOG, OTHER_CKAN)


def target_disclosure(dataset: DatasetFacts, kind: str, accepted_levels: Optional[frozenset[str]] = None
                      ) -> Disclosure:
    """What a push target may hold of the dataset: data.go.th published open data with its files;
    GD Catalog and any other catalog what national pullers get (gd_catalog_disclosure). The levels
    a target accepts (its configuration) can only narrow this, never widen it; an unknown kind gets
    nothing."""
    if kind == DATA_GO_TH:
        disclosure = Disclosure.WITH_FILES if may_send_to_data_go_th(dataset) else Disclosure.NONE
    elif kind in (GD_CATALOG, OTHER_CKAN):
        disclosure = gd_catalog_disclosure(dataset)
    else:
        return Disclosure.NONE
    if accepted_levels is not None and effective_level(dataset.level) not in accepted_levels:
        return Disclosure.NONE
    return disclosure


# --- permission labels: how search applies the same rules ----------------------------------

HARVEST_LABEL = "harvest"  # what harvest accounts find: entries that may be harvested

def dataset_labels(dataset: DatasetFacts) -> list[str]:
    """Search labels of a dataset; a user finds it when they share one label (see user_labels)."""
    creator = [f"creator-{dataset.creator_user_id}"] if dataset.creator_user_id else []
    if is_top_secret(dataset):
        return [f"topsecret-{dataset.owner_org}"] + creator if dataset.owner_org else creator
    if is_disclosed(dataset):
        return ["public", HARVEST_LABEL] if may_be_harvested(dataset) else ["public"]
    return [f"member-{dataset.owner_org}"] + creator if dataset.owner_org else creator


def user_labels(user: UserFacts) -> list[str]:
    if user.harvester:
        return [HARVEST_LABEL]
    labels = ["public"]
    if user.id is not None:
        labels.append(f"creator-{user.id}")
    for organization_id, role in sorted(user.roles.items()):
        labels.append(f"member-{organization_id}")
        if role in ORG_ROLES_THAT_SEE_TOP_SECRET:
            labels.append(f"topsecret-{organization_id}")
    for organization_id in sorted(user.approver_of):
        labels.extend([f"member-{organization_id}", f"topsecret-{organization_id}"])
    return list(dict.fromkeys(labels))
