"""Signals of the workflow room: other rooms (sync, notifications) react to decisions here."""
from __future__ import annotations

import ckan.plugins.toolkit as tk

transition_signal = tk.signals.ckanext.signal(
    "govcatalog_workflow_transition",
    "A dataset moved in the publish-approval workflow: sender is the dataset id; keyword arguments "
    "action, from_state, to_state, actor_id, reason.",
)
