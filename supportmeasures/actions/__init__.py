"""Every change to the registry that matters: one transaction, its audit event written last.

A package by topic (applications, lifecycle, access, staff, accounts, screening,
importing); every action is re-exported here, so callers import `supportmeasures.actions` as
before.
"""

from supportmeasures.actions.access import (
    acknowledge_warning,
    decline_warning,
    grant_details_access,
    open_protected_details,
    print_protected_details,
    revoke_details_access,
)
from supportmeasures.actions.accounts import (
    change_own_password,
    record_admin_change,
    record_failed_login,
    record_lockout,
    unlock,
)
from supportmeasures.actions.applications import register_application
from supportmeasures.actions.bulk import BulkOutcome, BulkResult, run_bulk_list
from supportmeasures.actions.common import Identity, PartyData, PersonData, ProtectedDetails
from supportmeasures.actions.importing import IMPORTED_BASIS, ImportSummary, import_registry
from supportmeasures.actions.inspection import filter_inspection_list
from supportmeasures.actions.lifecycle import (
    correct_period,
    decide_measure,
    end_measure,
    extend_measure,
    lapse_and_ask_supervisors,
    lapse_overdue_measures,
    release_lapsed_measure,
    send_end_reminders,
)
from supportmeasures.actions.screening import (
    count_client_screening,
    create_api_client,
    hash_token,
    revoke_api_client,
    screen_people,
)
from supportmeasures.actions.staff import (
    appoint_responsible_officer,
    record_training,
    register_staff,
    withdraw_responsible_officer,
)
from supportmeasures.refusals import (
    AcknowledgementRequired,
    ActionRefused,
    IdentityUnconfirmed,
    InvalidTransition,
    NotPermitted,
    SameStaffMember,
    TrainingLapsed,
)

__all__ = [
    "IMPORTED_BASIS",
    "AcknowledgementRequired",
    "ActionRefused",
    "BulkOutcome",
    "BulkResult",
    "Identity",
    "IdentityUnconfirmed",
    "ImportSummary",
    "InvalidTransition",
    "NotPermitted",
    "PartyData",
    "PersonData",
    "ProtectedDetails",
    "SameStaffMember",
    "TrainingLapsed",
    "acknowledge_warning",
    "appoint_responsible_officer",
    "change_own_password",
    "correct_period",
    "count_client_screening",
    "create_api_client",
    "decide_measure",
    "decline_warning",
    "end_measure",
    "extend_measure",
    "filter_inspection_list",
    "grant_details_access",
    "hash_token",
    "import_registry",
    "lapse_and_ask_supervisors",
    "lapse_overdue_measures",
    "open_protected_details",
    "print_protected_details",
    "record_admin_change",
    "record_failed_login",
    "record_lockout",
    "record_training",
    "register_application",
    "register_staff",
    "release_lapsed_measure",
    "revoke_api_client",
    "revoke_details_access",
    "run_bulk_list",
    "screen_people",
    "send_end_reminders",
    "unlock",
    "withdraw_responsible_officer",
]
