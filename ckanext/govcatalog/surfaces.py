"""Every way in: the reviewed table of actions and routes, and how each one obeys the policy.

A surface is an action (``/api/3/action/<name>``, and every page that calls it) or a route (a
blueprint endpoint). Each one enabled in the running application must be in this table:

- ``safe``: returns no dataset, resource, tag, activity or file data (users, organizations,
  configuration, counts, ids the caller passed in);
- ``filtered``: returns such data only as ``policy.py`` allows, through the named layer:
    auth        our auth functions (package_show, resource_show, package_update) ask the policy
    labels      search sees only datasets whose permission labels the user has
    hiding      resources of a dataset are taken out of every package dict the user may not have
    activities  activity streams and past versions keep only what the reader may see now
    tags        tags come from the datasets the reader may see (a search facet)
    resources   resource_search answers only with resources the reader may download
    members     a group's or organization's datasets are those the reader may see
    listing     package_list lists what the policy lets anyone list (the search index)
    workflow    our own actions and pages: auth functions of the workflow room
    feed        the change feed names a dataset (by id only) to a caller the policy lets pull it,
                or, as a withdrawal, to one that may have had it (policy.feed_change)
- ``sysadmin``: only sysadmins reach it; ``gate.py`` refuses everyone else before it runs.

``gate.py`` also refuses, to everyone but sysadmins, any action or route missing from this table,
so a CKAN upgrade or a new plugin cannot add an unreviewed way in silently; the inventory test
(tests/matrix) fails when an enabled surface is missing here, and the seeded leak test reads
every surface below as every kind of person.

The last column says what the surface is addressed by, so that the leak test can call it:
none, dataset, resource, view, organization, group, tag, user, activity, query, source, job.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["safe", "filtered", "sysadmin"]
KINDS: tuple[str, ...] = ("safe", "filtered", "sysadmin")
LAYERS = frozenset({"auth", "labels", "hiding", "activities", "tags", "resources", "members", "listing",
                    "workflow", "feed", "-"})
ADDRESSES = frozenset({"none", "dataset", "resource", "view", "organization", "group", "tag", "user", "activity",
                       "query", "source", "job", "file"})


@dataclass(frozen=True)
class Surface:
    name: str
    kind: Kind
    layers: tuple[str, ...]
    address: str


def _table(text: str) -> dict[str, Surface]:
    """Rows of ``name kind layer[+layer] address``; a line starting with # is a comment."""
    table: dict[str, Surface] = {}
    for line in text.strip().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, kind, layers, address = line.split()
        surface = Surface(name, kind, tuple(layers.split("+")), address)  # type: ignore[arg-type]
        if kind not in KINDS or not set(surface.layers) <= LAYERS or address not in ADDRESSES or name in table:
            raise ValueError(f"bad surface row: {line!r}")
        table[name] = surface
    return table


ACTIONS = _table("""
# --- datasets and resources: reads
package_show                          filtered  auth+hiding            dataset
package_search                        filtered  labels+hiding          query
package_list                          filtered  listing                none
package_autocomplete                  filtered  labels                 query
current_package_list_with_resources   filtered  labels+hiding          none
package_relationships_list            filtered  auth                   dataset
package_collaborator_list             filtered  auth                   dataset    # user ids and roles only
package_collaborator_list_for_user    safe      -                      user       # the caller's own ids
resource_show                         filtered  auth                   resource
resource_search                       filtered  resources              query
resource_view_show                    filtered  auth                   view       # core auth: resource_show
resource_view_list                    filtered  auth                   resource   # core auth: resource_show
format_autocomplete                   filtered  labels                 query
dataset_follower_count                safe      -                      dataset
dataset_follower_list                 safe      -                      dataset    # users (core: sysadmins)
dataset_followee_count                safe      -                      user
dataset_followee_list                 filtered  auth+hiding            user
am_following_dataset                  safe      -                      dataset
followee_list                         filtered  auth+hiding            user
# --- datasets and resources: writes (each asks package_update's auth, which asks the policy)
package_create                        filtered  auth+hiding            organization
package_update                        filtered  auth+hiding+workflow   dataset
package_patch                         filtered  auth+hiding+workflow   dataset
package_revise                        filtered  auth+hiding+workflow   dataset
package_delete                        filtered  auth+workflow          dataset
dataset_purge                         filtered  auth                   dataset    # core: sysadmins
package_owner_org_update              filtered  auth                   dataset
package_resource_reorder              filtered  auth                   dataset
package_relationship_create           filtered  auth                   dataset
package_relationship_update           filtered  auth                   dataset
package_relationship_delete           filtered  auth                   dataset
package_collaborator_create           filtered  auth                   dataset
package_collaborator_delete           filtered  auth                   dataset
package_create_default_resource_views filtered  auth                   dataset
resource_create                       filtered  auth+workflow          dataset
resource_update                       filtered  auth+workflow          resource
resource_patch                        filtered  auth+workflow          resource
resource_delete                       filtered  auth+workflow          resource
resource_create_default_resource_views filtered auth                   resource
resource_view_create                  filtered  auth                   resource
resource_view_update                  filtered  auth                   view
resource_view_delete                  filtered  auth                   view
resource_view_reorder                 filtered  auth                   resource
resource_view_clear                   sysadmin  -                      none
bulk_update_private                   filtered  auth+workflow          organization
bulk_update_public                    filtered  auth+workflow          organization
bulk_update_delete                    filtered  auth+workflow          organization
follow_dataset                        filtered  auth                   dataset
unfollow_dataset                      safe      -                      dataset
# --- tags and vocabularies
tag_list                              filtered  tags                   query
tag_search                            filtered  tags                   query
tag_autocomplete                      filtered  tags                   query
tag_show                              filtered  tags+labels+hiding     tag
tag_create                            sysadmin  -                      none
tag_delete                            sysadmin  -                      tag
vocabulary_list                       safe      -                      none       # controlled lists, not dataset tags
vocabulary_show                       safe      -                      none
vocabulary_create                     sysadmin  -                      none
vocabulary_update                     sysadmin  -                      none
vocabulary_delete                     sysadmin  -                      none
# --- organizations and groups
organization_show                     filtered  labels+hiding          organization
group_show                            filtered  labels+hiding          group
group_package_show                    filtered  labels+hiding          group
member_list                           filtered  members                organization
organization_list                     safe      -                      none       # counts: labelled index
group_list                            safe      -                      none
organization_list_for_user            safe      -                      user
group_list_authz                      safe      -                      none
organization_autocomplete             safe      -                      query
group_autocomplete                    safe      -                      query
member_roles_list                     safe      -                      none
organization_follower_count           safe      -                      organization
organization_follower_list            safe      -                      organization
organization_followee_count           safe      -                      user
organization_followee_list            safe      -                      user
group_follower_count                  safe      -                      group
group_follower_list                   safe      -                      group
group_followee_count                  safe      -                      user
group_followee_list                   safe      -                      user
am_following_group                    safe      -                      group
organization_create                   safe      -                      none       # returns the new one
organization_update                   safe      -                      organization
organization_patch                    safe      -                      organization
organization_delete                   safe      -                      organization
organization_purge                    sysadmin  -                      organization
organization_member_create            safe      -                      organization
organization_member_delete            safe      -                      organization
group_create                          safe      -                      none
group_update                          safe      -                      group
group_patch                           safe      -                      group
group_delete                          safe      -                      group
group_purge                           sysadmin  -                      group
group_member_create                   safe      -                      group
group_member_delete                   safe      -                      group
member_create                         filtered  auth                   group      # asks package_update's auth
member_delete                         filtered  auth                   group
follow_group                          safe      -                      group
unfollow_group                        safe      -                      group
# --- users
user_show                             filtered  labels+hiding          user
user_list                             safe      -                      none
user_autocomplete                     safe      -                      query
user_create                           safe      -                      none
user_update                           safe      -                      user
user_patch                            safe      -                      user
user_delete                           safe      -                      user
user_invite                           safe      -                      organization
user_follower_count                   safe      -                      user
user_follower_list                    safe      -                      user
user_followee_count                   safe      -                      user
user_followee_list                    safe      -                      user
am_following_user                     safe      -                      user
follow_user                           safe      -                      user
unfollow_user                         safe      -                      user
followee_count                        safe      -                      user
api_token_create                      safe      -                      user
api_token_list                        safe      -                      user
api_token_revoke                      safe      -                      none
# --- activities (plugin activity)
package_activity_list                 filtered  activities             dataset
organization_activity_list            filtered  activities             organization
group_activity_list                   filtered  activities             group
user_activity_list                    filtered  activities             user
recently_changed_packages_activity_list filtered activities            none
dashboard_activity_list               filtered  activities             none
dashboard_new_activities_count        safe      -                      none
dashboard_mark_activities_old         safe      -                      none
activity_show                         filtered  activities             activity
activity_data_show                    filtered  activities             activity
activity_diff                         filtered  activities             activity
activity_create                       sysadmin  -                      none
activity_delete                       sysadmin  -                      activity
activity_delete_all                   sysadmin  -                      none
activity_delete_counts                sysadmin  -                      none
send_email_notifications              sysadmin  -                      none
# --- site, configuration, jobs, mail
status_show                           safe      -                      none
help_show                             safe      -                      none
license_list                          safe      -                      none
term_translation_show                 safe      -                      none
term_translation_update               sysadmin  -                      none
term_translation_update_many          sysadmin  -                      none
config_option_show                    sysadmin  -                      none
config_option_list                    sysadmin  -                      none
config_option_update                  sysadmin  -                      none
get_site_user                         sysadmin  -                      none
task_status_show                      sysadmin  -                      none
task_status_update                    sysadmin  -                      none
task_status_update_many               sysadmin  -                      none
task_status_delete                    sysadmin  -                      none
job_list                              sysadmin  -                      none
job_show                              sysadmin  -                      none
job_cancel                            sysadmin  -                      none
job_clear                             sysadmin  -                      none
send_mail                             sysadmin  -                      none
send_error_email                      sysadmin  -                      none
send_summary_email                    sysadmin  -                      none
prepare_error_mail                    sysadmin  -                      none
prepare_summary_mail                  sysadmin  -                      none
get_mail_extra_vars                   sysadmin  -                      none
# --- CKAN 2.12 file storage: not reviewed for resources yet, so sysadmins only
file_create                           sysadmin  -                      none
file_register                         sysadmin  -                      none
file_show                             sysadmin  -                      file
file_delete                           sysadmin  -                      file
file_rename                           sysadmin  -                      file
file_pin                              sysadmin  -                      file
file_unpin                            sysadmin  -                      file
file_ownership_transfer               sysadmin  -                      file
file_owner_scan                       sysadmin  -                      none
# --- scheming and dcat
scheming_dataset_schema_list          safe      -                      none
scheming_dataset_schema_show          safe      -                      none
scheming_group_schema_list            safe      -                      none
scheming_group_schema_show            safe      -                      none
scheming_organization_schema_list     safe      -                      none
scheming_organization_schema_show     safe      -                      none
dcat_dataset_show                     filtered  auth+hiding            dataset
dcat_catalog_show                     filtered  labels+hiding          none
dcat_catalog_search                   filtered  labels+hiding          none
# --- harvest: catalog managers (sysadmins) run the harvesters
harvesters_info_show                  safe      -                      none
harvest_source_show                   sysadmin  -                      source
harvest_source_show_status            sysadmin  -                      source
harvest_source_list                   sysadmin  -                      none
harvest_source_create                 sysadmin  -                      none
harvest_source_update                 sysadmin  -                      source
harvest_source_patch                  sysadmin  -                      source
harvest_source_delete                 sysadmin  -                      source
harvest_source_clear                  sysadmin  -                      source
harvest_source_index_clear            sysadmin  -                      source
harvest_source_reindex                sysadmin  -                      source
harvest_sources_reindex               sysadmin  -                      none
harvest_source_job_history_clear      sysadmin  -                      source
harvest_sources_job_history_clear     sysadmin  -                      none
harvest_job_create                    sysadmin  -                      source
harvest_job_create_all                sysadmin  -                      none
harvest_job_show                      sysadmin  -                      job
harvest_job_report                    sysadmin  -                      job
harvest_job_list                      sysadmin  -                      none
harvest_job_abort                     sysadmin  -                      job
harvest_jobs_run                      sysadmin  -                      none
harvest_abort_failed_jobs             sysadmin  -                      none
harvest_send_job_to_gather_queue      sysadmin  -                      job
harvest_object_show                   sysadmin  -                      none
harvest_object_list                   sysadmin  -                      none
harvest_object_create                 sysadmin  -                      none
harvest_objects_import                sysadmin  -                      none
harvest_log_list                      sysadmin  -                      none
harvest_get_notifications_recipients  sysadmin  -                      none
InactiveSource                        sysadmin  -                      none       # harvest exports a class
# ckanext-harvest collects its actions and its auth functions into one shared (mutable default) dict:
# when an auth check runs before the action registry is built, these auth-module names become actions
harvest_sources_clear                 sysadmin  -                      none
auth_allow_anonymous_access           sysadmin  -                      none
# --- ours: the publish-approval workflow
govcatalog_workflow_submit            filtered  workflow+auth          dataset
govcatalog_workflow_approve           filtered  workflow+auth          dataset
govcatalog_workflow_reject            filtered  workflow+auth          dataset
govcatalog_workflow_request_withdrawal filtered workflow+auth          dataset
govcatalog_workflow_withdraw          filtered  workflow+auth          dataset
govcatalog_workflow_history           filtered  workflow+auth          dataset
govcatalog_workflow_queue             filtered  workflow               none
govcatalog_approver_create            safe      -                      organization
govcatalog_approver_delete            safe      -                      organization
govcatalog_approver_list              safe      -                      organization
govcatalog_synonym_list               sysadmin  -                      none       # search synonyms: catalog manager
govcatalog_synonym_create             sysadmin  -                      none
govcatalog_synonym_update             sysadmin  -                      none
govcatalog_synonym_delete             sysadmin  -                      none
# --- ours: national catalog sync (catalog managers), GD Catalog registration state
govcatalog_sync_status                sysadmin  -                      none
govcatalog_sync_push                  sysadmin  -                      none
govcatalog_sync_withdraw              sysadmin  -                      none
govcatalog_sync_retry                 sysadmin  -                      none
govcatalog_sync_reconcile             sysadmin  -                      none
govcatalog_gdcatalog_refresh          sysadmin  -                      none
govcatalog_gdcatalog_state_show       filtered  auth                   dataset    # a state label; non-public: editors
govcatalog_changes                    filtered  feed                   none
""")

# Endpoints of blueprint routes (``flask.request.endpoint``). Pages call the actions above, so a
# page is as safe as the actions it calls; its layers say which.
ROUTES = _table("""
# --- home, site, assets
home.index                        filtered  labels+hiding          none
home.about                        safe      -                      none
home.robots_txt                   safe      -                      none
home.redirect_locale              safe      -                      none
static                            safe      -                      none
webassets.index                   safe      -                      none
util.internal_redirect            safe      -                      none
util.primer                       sysadmin  -                      none       # a developer's test page
util.custom_form_fields           sysadmin  -                      none
admin.index                       sysadmin  -                      none
admin.config                      sysadmin  -                      none
admin.reset_config                sysadmin  -                      none
admin.trash                       sysadmin  -                      none
# --- API
api.action                        filtered  auth                   none       # gate.py checks the action itself
api.get_api                       safe      -                      none
api.i18n_js_translations          safe      -                      none
api.dataset_autocomplete          filtered  labels                 query
api.tag_autocomplete              filtered  tags                   query
api.format_autocomplete           filtered  labels                 query
api.user_autocomplete             safe      -                      query
api.group_autocomplete            safe      -                      query
api.organization_autocomplete     safe      -                      query
# --- datasets (every dataset type's blueprint: dataset, and harvest sources below)
dataset.search                    filtered  labels+hiding          none
dataset.read                      filtered  auth+hiding            dataset
dataset.resources                 filtered  auth+hiding            dataset
dataset.new                       filtered  auth                   none
dataset.edit                      filtered  auth+hiding            dataset
dataset.delete                    filtered  auth                   dataset
dataset.groups                    filtered  auth                   dataset
dataset.followers                 filtered  auth                   dataset
dataset.follow                    filtered  auth                   dataset
dataset.unfollow                  safe      -                      dataset
dataset_resource.read             filtered  auth                   resource
dataset_resource.download         filtered  auth                   resource
dataset_resource.view             filtered  auth                   resource
dataset_resource.views            filtered  auth                   resource
dataset_resource.new              filtered  auth                   dataset
dataset_resource.edit             filtered  auth                   resource
dataset_resource.edit_view        filtered  auth                   resource
dataset_resource.delete           filtered  auth                   resource
resource.read                     filtered  auth                   resource
resource.download                 filtered  auth                   resource
resource.view                     filtered  auth                   resource
resource.views                    filtered  auth                   resource
resource.new                      filtered  auth                   dataset
resource.edit                     filtered  auth                   resource
resource.edit_view                filtered  auth                   resource
resource.delete                   filtered  auth                   resource
dcat.read_catalog                 filtered  labels+hiding          none
dcat.read_dataset                 filtered  auth+hiding            dataset
dcat.read_dataset_series          filtered  auth+hiding            dataset
feeds.general                     filtered  labels+hiding          none
feeds.custom                      filtered  labels+hiding          query
feeds.group                       filtered  labels+hiding          group
feeds.organization                filtered  labels+hiding          organization
feeds.tag                         filtered  labels+hiding          tag
# --- activity pages
activity.package_activity         filtered  activities             dataset
activity.package_changes          filtered  activities             activity
activity.package_changes_multiple filtered  activities             none
activity.package_history          filtered  activities             activity
activity.resource_history         filtered  activities             activity
activity.organization_activity    filtered  activities             organization
activity.organization_changes     filtered  activities             activity
activity.organization_changes_multiple filtered activities         none
activity.group_activity           filtered  activities             group
activity.group_changes            filtered  activities             activity
activity.group_changes_multiple   filtered  activities             none
activity.user_activity            filtered  activities             user
activity.dashboard                filtered  activities             none
activity.dashboard_testing        sysadmin  -                      none
activity.admin_activities         sysadmin  -                      none
# --- organizations and groups
organization.index                safe      -                      none
organization.read                 filtered  labels+hiding          organization
organization.about                safe      -                      organization
organization.members              safe      -                      organization
organization.member_dump          safe      -                      organization
organization.member_new           safe      -                      organization
organization.member_delete        safe      -                      organization
organization.manage_members       safe      -                      organization
organization.admins               safe      -                      organization
organization.followers            safe      -                      organization
organization.follow               safe      -                      organization
organization.unfollow             safe      -                      organization
organization.new                  safe      -                      none
organization.edit                 safe      -                      organization
organization.delete               safe      -                      organization
organization.bulk_process         filtered  labels+hiding+workflow organization
group.index                       safe      -                      none
group.read                        filtered  labels+hiding          group
group.about                       safe      -                      group
group.members                     safe      -                      group
group.member_dump                 safe      -                      group
group.member_new                  safe      -                      group
group.member_delete               safe      -                      group
group.manage_members              safe      -                      group
group.admins                      safe      -                      group
group.followers                   safe      -                      group
group.follow                      safe      -                      group
group.unfollow                    safe      -                      group
group.new                         safe      -                      none
group.edit                        safe      -                      group
group.delete                      safe      -                      group
group.bulk_process                filtered  labels+hiding          group
# --- users and dashboard
user.index                        safe      -                      none
user.read                         filtered  labels+hiding          user
user.read_groups                  safe      -                      user
user.read_organizations           safe      -                      user
user.me                           safe      -                      none
user.edit                         safe      -                      user
user.delete                       safe      -                      user
user.api_tokens                   safe      -                      user
user.api_tokens_revoke            safe      -                      user
user.followers                    safe      -                      user
user.follow                       safe      -                      user
user.unfollow                     safe      -                      user
user.login                        safe      -                      none
user.logout                       safe      -                      none
user.logged_out_page              safe      -                      none
user.register                     safe      -                      none
user.request_reset                safe      -                      none
user.perform_reset                safe      -                      user
user.sysadmin                     sysadmin  -                      none
dashboard.datasets                filtered  labels+hiding          none
dashboard.groups                  safe      -                      none
dashboard.organizations           safe      -                      none
# --- CKAN 2.12 file storage (see the actions above)
file.download                     sysadmin  -                      file
file.public_download              sysadmin  -                      file
file.trusted_download             sysadmin  -                      file
# --- harvest sources (a dataset type of their own) and harvest jobs: catalog managers
harvest.search                    sysadmin  -                      none
harvest.read                      sysadmin  -                      source
harvest.resources                 sysadmin  -                      source
harvest.new                       sysadmin  -                      none
harvest.edit                      sysadmin  -                      source
harvest.delete                    sysadmin  -                      source
harvest.groups                    sysadmin  -                      source
harvest.followers                 sysadmin  -                      source
harvest.follow                    sysadmin  -                      source
harvest.unfollow                  sysadmin  -                      source
harvest_resource.read             sysadmin  -                      source
harvest_resource.download         sysadmin  -                      source
harvest_resource.view             sysadmin  -                      source
harvest_resource.views            sysadmin  -                      source
harvest_resource.new              sysadmin  -                      source
harvest_resource.edit             sysadmin  -                      source
harvest_resource.edit_view        sysadmin  -                      source
harvest_resource.delete           sysadmin  -                      source
harvester.about                   sysadmin  -                      source
harvester.admin                   sysadmin  -                      source
harvester.clear                   sysadmin  -                      source
harvester.delete                  sysadmin  -                      source
harvester.refresh                 sysadmin  -                      source
harvester.job_list                sysadmin  -                      source
harvester.job_show                sysadmin  -                      job
harvester.job_show_last           sysadmin  -                      source
harvester.job_abort               sysadmin  -                      job
harvester.object_show             sysadmin  -                      none
# --- ours
govcatalog_workflow.decide        filtered  workflow+auth          dataset
govcatalog_workflow.history_csv   filtered  workflow+auth          dataset
govcatalog_workflow.queue         filtered  workflow               none
govcatalog_synonyms.index         sysadmin  -                      none
govcatalog_sync.index             sysadmin  -                      none
govcatalog_sync.delete_dataset    filtered  auth                   dataset
""")


def sysadmin_only_action(name: str) -> bool:
    """Unreviewed actions are sysadmin-only too."""
    surface = ACTIONS.get(name)
    return surface is None or surface.kind == "sysadmin"


def sysadmin_only_route(endpoint: str) -> bool:
    surface = ROUTES.get(endpoint)
    return surface is None or surface.kind == "sysadmin"
