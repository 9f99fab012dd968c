"""The classification policy as plain functions (no CKAN needed)."""
from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ckanext.govcatalog import policy
from ckanext.govcatalog.policy import (
    CONFIDENTIAL, INTERNAL, OPEN, SECRET, TOP_SECRET, DatasetFacts, Disclosure, UserFacts,
)

ORG, OTHER_ORG = "org-1", "org-2"
CREATOR = "user-creator"


def dataset(level: str | None, state: str = policy.PUBLISHED, owner: str = ORG) -> DatasetFacts:
    return DatasetFacts(owner_org=owner, level=level, creator_user_id=CREATOR, workflow_state=state)


USERS = {
    "anonymous": policy.ANONYMOUS,
    "outsider": UserFacts(id="u-out"),
    "member": UserFacts(id="u-member", roles={ORG: "member"}),
    "editor": UserFacts(id="u-editor", roles={ORG: "editor"}),
    "admin": UserFacts(id="u-admin", roles={ORG: "admin"}),
    "other_org_admin": UserFacts(id="u-oadmin", roles={OTHER_ORG: "admin"}),
    "approver": UserFacts(id="u-approver", approver_of=frozenset({ORG})),
    "other_approver": UserFacts(id="u-oappr", approver_of=frozenset({OTHER_ORG})),
    "creator": UserFacts(id=CREATOR),
    "sysadmin": UserFacts(id="u-sys", sysadmin=True),
}

# (level, published) -> users who may see metadata, users who may see files
EXPECTED = {
    (OPEN, True): (set(USERS), set(USERS)),
    **{
        (level, True): (set(USERS), {"member", "editor", "admin", "approver", "creator", "sysadmin"})
        for level in (INTERNAL, CONFIDENTIAL, SECRET)
    },
    (TOP_SECRET, True): ({"admin", "approver", "creator", "sysadmin"},) * 2,
    **{
        (level, False): ({"member", "editor", "admin", "approver", "creator", "sysadmin"},) * 2
        for level in (OPEN, INTERNAL, CONFIDENTIAL, SECRET)
    },
    (TOP_SECRET, False): ({"admin", "approver", "creator", "sysadmin"},) * 2,
}


@pytest.mark.parametrize(("level", "published"), sorted(EXPECTED))
@pytest.mark.parametrize("user_name", sorted(USERS))
def test_who_sees_metadata_and_files(level, published, user_name):
    facts = dataset(level, policy.PUBLISHED if published else "draft")
    may_see, may_download = EXPECTED[(level, published)]
    assert policy.may_see_metadata(facts, USERS[user_name]) is (user_name in may_see)
    assert policy.may_see_resources(facts, USERS[user_name]) is (user_name in may_download)


@pytest.mark.parametrize(
    ("level", "listed", "gd", "data_go_th"),
    [
        (OPEN, True, Disclosure.WITH_FILES, True),
        (INTERNAL, True, Disclosure.METADATA_ONLY, False),
        (CONFIDENTIAL, True, Disclosure.METADATA_ONLY, False),
        (SECRET, True, Disclosure.METADATA_ONLY, False),
        (TOP_SECRET, False, Disclosure.NONE, False),
    ],
)
def test_what_leaves_the_catalog(level, listed, gd, data_go_th):
    facts = dataset(level)
    assert policy.may_be_listed_publicly(facts) is listed
    assert policy.gd_catalog_disclosure(facts) is gd
    assert policy.may_send_to_data_go_th(facts) is data_go_th


@pytest.mark.parametrize("state", ["draft", "pending", "rejected", "withdrawn", "private", "deleted"])
def test_nothing_leaves_before_publication(state):
    facts = dataset(OPEN, state)
    assert not policy.may_be_listed_publicly(facts)
    assert policy.gd_catalog_disclosure(facts) is Disclosure.NONE
    assert not policy.may_see_metadata(facts, policy.ANONYMOUS)


@pytest.mark.parametrize("level", [OPEN, INTERNAL, CONFIDENTIAL, SECRET])
def test_withheld_consent_keeps_the_entry_home(level):
    consented, withheld = dataset(level), replace(dataset(level), harvest_consent=False)
    assert policy.may_be_harvested(consented)
    assert policy.gd_catalog_disclosure(withheld) is Disclosure.NONE
    assert not policy.may_be_harvested(withheld)
    # still on the agency's own catalog, as the level says; data.go.th takes open data regardless
    assert policy.may_be_listed_publicly(withheld)
    assert policy.may_send_to_data_go_th(withheld) is (level == OPEN)


@pytest.mark.parametrize("level", policy.LEVELS)
@pytest.mark.parametrize("consent", [True, False])
@pytest.mark.parametrize("state", [policy.PUBLISHED, "withdrawal_requested", "draft", "withdrawn", "deleted"])
def test_push_targets_get_what_the_national_rules_allow(level, consent, state):
    facts = replace(dataset(level, state), harvest_consent=consent)
    data_go_th = policy.target_disclosure(facts, policy.DATA_GO_TH)
    gd = policy.target_disclosure(facts, policy.GD_CATALOG)
    disclosed = state in policy.DISCLOSED_STATES
    assert data_go_th is (Disclosure.WITH_FILES if disclosed and level == OPEN else Disclosure.NONE)
    if not disclosed or level == TOP_SECRET or not consent:
        assert gd is Disclosure.NONE
    else:
        assert gd is (Disclosure.WITH_FILES if level == OPEN else Disclosure.METADATA_ONLY)
    assert policy.target_disclosure(facts, policy.OTHER_CKAN) is gd
    assert policy.target_disclosure(facts, "ftp") is Disclosure.NONE


def test_a_targets_levels_narrow_never_widen():
    only_open = frozenset({OPEN})
    assert policy.target_disclosure(dataset(SECRET), policy.GD_CATALOG, only_open) is Disclosure.NONE
    assert policy.target_disclosure(dataset(OPEN), policy.GD_CATALOG, only_open) is Disclosure.WITH_FILES
    everything = frozenset(policy.LEVELS)
    assert policy.target_disclosure(dataset(TOP_SECRET), policy.GD_CATALOG, everything) is Disclosure.NONE
    assert policy.target_disclosure(dataset(SECRET), policy.DATA_GO_TH, everything) is Disclosure.NONE


def test_unknown_level_is_treated_as_restricted():
    facts = dataset(None)
    assert policy.may_see_metadata(facts, policy.ANONYMOUS)
    assert not policy.may_see_resources(facts, policy.ANONYMOUS)
    assert policy.gd_catalog_disclosure(dataset("garbage")) is Disclosure.METADATA_ONLY


@pytest.mark.parametrize(
    ("category", "level", "allowed"),
    [
        ("ข้อมูลสาธารณะ", OPEN, True),
        ("ข้อมูลสาธารณะ", INTERNAL, False),
        ("ข้อมูลใช้ภายใน", INTERNAL, True),
        ("ข้อมูลใช้ภายใน", OPEN, False),
        ("ข้อมูลส่วนบุคคล", SECRET, True),
        ("ข้อมูลส่วนบุคคล", TOP_SECRET, False),
        ("ข้อมูลความลับทางราชการ", TOP_SECRET, True),
        ("ข้อมูลความลับทางราชการ", INTERNAL, False),
        ("ข้อมูลความมั่นคง", CONFIDENTIAL, True),
        ("ข้อมูลความมั่นคง", OPEN, False),
        (None, OPEN, False),
        ("ข้อมูลสาธารณะ", None, False),
    ],
)
def test_category_to_classification_matrix(category, level, allowed):
    assert policy.category_allows(category, level) is allowed


datasets = st.builds(
    DatasetFacts,
    owner_org=st.sampled_from([ORG, OTHER_ORG, None]),
    level=st.sampled_from([*policy.LEVELS, None, "x"]),
    creator_user_id=st.sampled_from([CREATOR, None, "u-1"]),
    workflow_state=st.sampled_from([policy.PUBLISHED, "draft", "pending", "private"]),
    harvest_consent=st.booleans(),
)
users = st.builds(
    UserFacts,
    id=st.sampled_from([None, CREATOR, "u-1", "u-2"]),
    roles=st.dictionaries(st.sampled_from([ORG, OTHER_ORG]), st.sampled_from(["admin", "editor", "member"])),
    approver_of=st.frozensets(st.sampled_from([ORG, OTHER_ORG])),
    harvester=st.booleans(),
)


@given(datasets, users)
def test_search_labels_agree_with_may_see_metadata(dataset_facts, user):
    """Search (permission labels) and the dataset page (auth) must never disagree."""
    if user.id is None:
        user = policy.ANONYMOUS  # anonymous users hold no roles (nor are they harvest accounts)
    shares_label = bool(set(policy.dataset_labels(dataset_facts)) & set(policy.user_labels(user)))
    assert shares_label is policy.may_see_metadata(dataset_facts, user)


@given(datasets, users)
def test_files_never_reach_someone_who_cannot_see_the_metadata(dataset_facts, user):
    if policy.may_see_resources(dataset_facts, user):
        assert policy.may_see_metadata(dataset_facts, user)


HARVESTER = UserFacts(id="u-harvest", roles={ORG: "admin"}, harvester=True)


@pytest.mark.parametrize("level", [*policy.LEVELS, None])
@pytest.mark.parametrize("state", [policy.PUBLISHED, "draft", "withdrawn"])
@pytest.mark.parametrize("consent", [True, False])
def test_harvest_accounts_get_exactly_what_may_be_harvested(level, state, consent):
    """Whatever their memberships: metadata of what may be harvested, files of open data only."""
    facts = replace(dataset(level, state), harvest_consent=consent)
    assert policy.may_see_metadata(facts, HARVESTER) is policy.may_be_harvested(facts)
    assert policy.may_see_resources(facts, HARVESTER) is (policy.gd_catalog_disclosure(facts) is Disclosure.WITH_FILES)
    assert policy.may_pull(facts, HARVESTER) is policy.may_be_harvested(facts)


@pytest.mark.parametrize("user", ["anonymous", "outsider", "other_org_admin"])
def test_pullers_outside_get_only_what_may_be_harvested(user):
    withheld = replace(dataset(INTERNAL), harvest_consent=False)
    assert policy.may_see_metadata(withheld, USERS[user]), "still listed on the agency's own catalog"
    assert not policy.may_pull(withheld, USERS[user])
    assert policy.may_pull(dataset(CONFIDENTIAL), USERS[user])
    assert not policy.may_pull(dataset(TOP_SECRET), USERS[user])
    assert not policy.may_pull(dataset(OPEN, "draft"), USERS[user])


def test_the_organization_pulls_its_own():
    assert policy.may_pull(dataset(OPEN, "draft"), USERS["editor"])
    assert policy.may_pull(replace(dataset(INTERNAL), harvest_consent=False), USERS["member"])
    assert not policy.may_pull(dataset(TOP_SECRET), USERS["member"])


FeedChange = policy.FeedChange


@pytest.mark.parametrize(("before", "after", "expected"), [
    (None, dataset(OPEN), FeedChange.CREATED),
    (None, dataset(OPEN, "draft"), None),  # never had it, may not have it: not even its id
    (dataset(OPEN, "draft"), dataset(OPEN), FeedChange.CREATED),  # published
    (dataset(OPEN), dataset(CONFIDENTIAL), FeedChange.UPDATED),  # still listed, without files
    (dataset(OPEN), dataset(OPEN, "withdrawn"), FeedChange.WITHDRAWN),
    (dataset(SECRET), dataset(TOP_SECRET), FeedChange.WITHDRAWN),
    (dataset(INTERNAL), replace(dataset(INTERNAL), harvest_consent=False), FeedChange.WITHDRAWN),
    (dataset(OPEN), None, FeedChange.DELETED),
    (dataset(OPEN, "draft"), None, None),
    (dataset(TOP_SECRET), dataset(TOP_SECRET, "withdrawn"), None),
])
def test_feed_changes_for_an_outside_puller(before, after, expected):
    assert policy.feed_change(before, after, policy.ANONYMOUS) is expected


@given(st.one_of(st.none(), datasets), st.one_of(st.none(), datasets), users)
def test_the_feed_names_an_entry_only_to_pullers_that_had_it_or_have_it(before, after, user):
    change = policy.feed_change(before, after, user)
    had = before is not None and policy.may_pull(before, user)
    has = after is not None and policy.may_pull(after, user)
    assert (change is not None) is (had or has)
    if change in (FeedChange.WITHDRAWN, FeedChange.DELETED):
        assert had and not has


def test_withholding_consent_applies_at_once_giving_it_waits():
    consented, withheld = dataset(INTERNAL), replace(dataset(INTERNAL), harvest_consent=False)
    assert policy.withdraws_consent(consented, withheld)
    assert not policy.withdraws_consent(withheld, consented)
    assert not policy.withdraws_consent(consented, consented)
