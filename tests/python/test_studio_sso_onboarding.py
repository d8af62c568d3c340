"""Unit tests of the Studio SSO on-/offboarding functions
(src/constructs/functions/studio_sso_onboarding.py), with every AWS call stubbed by
botocore's Stubber: no network, no credentials. A stubbed client fails the test on any
call that was not expected, in the expected order, with exactly these parameters.

The sample events in events/ are EventBridge envelopes ("AWS API Call via CloudTrail")
around CloudTrail records, written for these tests and shaped after:
- Identity Store API events (source aws.identitystore, eventSource
  identitystore.amazonaws.com): https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-identitystore.html
  with the request/response of CreateGroupMembership / DeleteGroupMembership:
  https://docs.aws.amazon.com/singlesignon/latest/IdentityStoreAPIReference/API_CreateGroupMembership.html
  https://docs.aws.amazon.com/singlesignon/latest/IdentityStoreAPIReference/API_DeleteGroupMembership.html
  AWS documents no CloudTrail record of these two calls: requestParameters follow
  CloudTrail's lowerCamelCase rendering of the request (identityStoreId, groupId,
  memberId.userId; DeleteGroupMembership: identityStoreId, membershipId only), and the
  function also accepts other casings.
- IAM Identity Center directory events (eventSource sso-directory.amazonaws.com,
  AddMemberToGroup / RemoveMemberFromGroup, requestParameters.member.memberId), listed as
  "identity store CloudTrail operations" in
  https://docs.aws.amazon.com/singlesignon/latest/userguide/sso-info-in-cloudtrail.html
  (2022 revision, archived in github.com/awsdocs/aws-single-sign-on-user-guide) and as
  actions in https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsiamidentitycenterdirectory.html
- CloudTrail record fields: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html
"""

import hashlib
import importlib.util
import json
import os
import random
import re
import sys
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

sys.dont_write_bytecode = True  # keep src/ free of __pycache__

HERE = Path(__file__).resolve().parent
FUNCTION = HERE.parents[1] / "src" / "constructs" / "functions" / "studio_sso_onboarding.py"
EVENTS = HERE / "events"

DOMAIN = "d-abcdefghij12"
STORE = "d-1234567890"
ACCOUNT = "111122223333"
RESEARCHERS = "9a6749d5-1234-4abc-8def-0123456789ab"
AUDITORS = "4b2f77c1-5678-4def-9abc-fedcba987654"
OTHER_GROUP = "1c3e5a7b-9d0f-4a1b-8c2d-3e4f5a6b7c8d"
USER = "c8e1f2a3b4-5d6e7f80-1a2b-4c3d-9e8f-0a1b2c3d4e5f"
RESEARCHER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/studio-ml-researchers"
AUDITOR_ROLE = f"arn:aws:iam::{ACCOUNT}:role/studio-ml-auditors"
TAG = "sagesynth:identitystore-user-id"
VALID = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
# The auditors group has no id in the definition: it is matched by its display name.
GROUP_ROLES = [
    {"group": "ml-researchers", "group_id": RESEARCHERS, "role_arn": RESEARCHER_ROLE},
    {"group": "ml-auditors", "group_id": AUDITORS, "role_arn": AUDITOR_ROLE},
]


def load_function():
    spec = importlib.util.spec_from_file_location("studio_sso_onboarding", FUNCTION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def event(name):
    return json.loads((EVENTS / f"{name}.json").read_text())


def sha8(text):
    return hashlib.sha256(text.encode()).hexdigest()[:8]


class FakeClock:
    def __init__(self):
        self.now, self.sleeps = 0.0, []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


class Env:
    """The loaded function module, its stubbed clients and a fake clock."""

    def __init__(self, monkeypatch, capsys):
        self.capsys = capsys
        self.fn = load_function()
        self.clock = FakeClock()
        self.fn.clock, self.fn.sleep = self.clock.clock, self.clock.sleep
        self.stubs = {}
        for name in ("identitystore", "sagemaker", "dynamodb"):
            client = boto3.client(name, region_name="eu-west-1", aws_access_key_id="testing",
                                  aws_secret_access_key="testing")
            self.fn._clients[name] = client
            self.stubs[name] = Stubber(client)
            self.stubs[name].activate()
        for key in list(os.environ):
            if key.startswith("AWS_"):
                monkeypatch.delenv(key)
        self.monkeypatch = monkeypatch
        self.setenv(DOMAIN_ID=DOMAIN, IDENTITY_STORE_ID=STORE, MAPPING_MODE="inline",
                    GROUP_ROLES=json.dumps(GROUP_ROLES), APP_DELETE_TIMEOUT_SECONDS="60",
                    POLL_SECONDS="10")

    def setenv(self, **values):
        for key, value in values.items():
            if value is None:
                self.monkeypatch.delenv(key, raising=False)
            else:
                self.monkeypatch.setenv(key, value)

    def logs(self):
        """The structured log lines printed so far."""
        out = self.capsys.readouterr().out
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    def verify(self):
        for stub in self.stubs.values():
            stub.assert_no_pending_responses()

    # --- identitystore ---
    def describe_user(self, user_name, uid=USER):
        self.stubs["identitystore"].add_response(
            "describe_user", {"IdentityStoreId": STORE, "UserId": uid, "UserName": user_name, "Revision": "3",
                              "UserArn": f"arn:aws:identitystore::{ACCOUNT}:user/{STORE}/{uid}"},
            {"IdentityStoreId": STORE, "UserId": uid})

    def memberships(self, *pages, uid=USER):
        """One response per page; each page is a list of group ids."""
        for i, gids in enumerate(pages):
            response = {"GroupMemberships": [
                {"IdentityStoreId": STORE, "MembershipId": f"m-{i}-{g[:8]}", "GroupId": g,
                 "MembershipArn": f"arn:aws:identitystore::{ACCOUNT}:membership/{STORE}/m-{i}-{g[:8]}",
                 "MemberId": {"UserId": uid}} for g in gids]}
            params = {"IdentityStoreId": STORE, "MemberId": {"UserId": uid}}
            if i:
                params["NextToken"] = f"memberships-{i}"
            if i + 1 < len(pages):
                response["NextToken"] = f"memberships-{i + 1}"
            self.stubs["identitystore"].add_response("list_group_memberships_for_member", response, params)

    # --- sagemaker ---
    def sm(self, op, response, **params):
        self.stubs["sagemaker"].add_response(op, response, params)

    def sm_error(self, op, code, **params):
        self.stubs["sagemaker"].add_client_error(op, service_error_code=code, http_status_code=400,
                                                 expected_params=params)

    def profile(self, name, user_name, role, status="InService"):
        self.sm("describe_user_profile", {
            "DomainId": DOMAIN, "UserProfileName": name, "Status": status,
            "UserProfileArn": f"arn:aws:sagemaker:eu-west-1:{ACCOUNT}:user-profile/{DOMAIN}/{name}",
            "SingleSignOnUserIdentifier": "UserName", "SingleSignOnUserValue": user_name,
            "UserSettings": {"ExecutionRole": role}}, DomainId=DOMAIN, UserProfileName=name)

    def tags(self, name, uid=USER):
        tags = [{"Key": "team", "Value": "ml"}] + ([{"Key": TAG, "Value": uid}] if uid else [])
        self.sm("list_tags", {"Tags": tags},
                ResourceArn=f"arn:aws:sagemaker:eu-west-1:{ACCOUNT}:user-profile/{DOMAIN}/{name}")

    def spaces(self, *pages):
        """Each page: list of (space name, owner profile, status)."""
        for i, page in enumerate(pages):
            response = {"Spaces": [{"DomainId": DOMAIN, "SpaceName": s, "Status": st,
                                    "OwnershipSettingsSummary": {"OwnerUserProfileName": o},
                                    "SpaceSharingSettingsSummary": {"SharingType": "Private"}}
                                   for s, o, st in page]}
            params = {"DomainIdEquals": DOMAIN}
            if i:
                params["NextToken"] = f"spaces-{i}"
            if i + 1 < len(pages):
                response["NextToken"] = f"spaces-{i + 1}"
            self.sm("list_spaces", response, **params)

    def apps(self, *pages, profile=None, space=None):
        """Each page: list of (app type, app name, status)."""
        owner = {"UserProfileName": profile} if profile else {"SpaceName": space}
        key = {"UserProfileNameEquals": profile} if profile else {"SpaceNameEquals": space}
        for i, page in enumerate(pages):
            response = {"Apps": [{"DomainId": DOMAIN, "AppType": t, "AppName": n, "Status": st, **owner}
                                 for t, n, st in page]}
            params = {"DomainIdEquals": DOMAIN, **key}
            if i:
                params["NextToken"] = f"apps-{profile or space}-{i}"
            if i + 1 < len(pages):
                response["NextToken"] = f"apps-{profile or space}-{i + 1}"
            self.sm("list_apps", response, **params)

    def delete_app(self, app_type, app_name, profile=None, space=None):
        owner = {"UserProfileName": profile} if profile else {"SpaceName": space}
        self.sm("delete_app", {}, DomainId=DOMAIN, AppType=app_type, AppName=app_name, **owner)

    def create(self, name, user_name, role, uid=USER):
        self.sm("create_user_profile", {"UserProfileArn": "arn:aws:sagemaker:::x"}, DomainId=DOMAIN,
                UserProfileName=name, SingleSignOnUserIdentifier="UserName",
                SingleSignOnUserValue=user_name, UserSettings={"ExecutionRole": role},
                Tags=[{"Key": TAG, "Value": uid}])


@pytest.fixture
def env(monkeypatch, capsys):
    e = Env(monkeypatch, capsys)
    yield e
    e.verify()


def decisions(logs):
    return [line["decision"] for line in logs]


# ---------------------------------------------------------------------------------------
# Profile names
# ---------------------------------------------------------------------------------------

def test_a_valid_lower_case_user_name_is_kept():
    fn = load_function()
    for name in ("alice", "data-team-01", "a", "x" * 63):
        assert fn.profile_name(name) == name


def test_an_email_becomes_a_readable_name_with_a_hash_of_the_original():
    fn = load_function()
    name = fn.profile_name("jane.doe@example.com")
    assert name == "jane-doe-example-com-" + sha8("jane.doe@example.com")
    assert VALID.match(name)


def test_user_names_that_sanitize_alike_get_different_profile_names():
    fn = load_function()
    alike = ["jane.doe@example.com", "jane-doe@example.com", "jane@doe.example.com",
             "Jane.Doe@example.com", "jane_doe@example.com", "jane-doe-example-com"]
    names = [fn.profile_name(u) for u in alike]
    assert len(set(names)) == len(alike), names
    # The one that is already valid keeps its name; all others share the readable stem.
    assert names[-1] == "jane-doe-example-com"
    assert all(n.startswith("jane-doe-example-com-") for n in names[:-1])


def test_unicode_is_ascii_folded_or_dropped():
    fn = load_function()
    assert fn.profile_name("Zoë.Müller") == "zoe-muller-" + sha8("Zoë.Müller")
    assert fn.profile_name("山田太郎") == "user-" + sha8("山田太郎")
    assert fn.profile_name("straße") == "strae-" + sha8("straße")  # ß has no ASCII fold
    assert fn.profile_name("ｊａｎｅ") == "jane-" + sha8("ｊａｎｅ")  # full-width: NFKD folds it
    assert fn.profile_name("jane") != fn.profile_name("ｊａｎｅ")


def test_upper_case_is_lowered_and_marked_so_case_variants_never_collide():
    fn = load_function()
    assert fn.profile_name("Alice") == "alice-" + sha8("Alice")
    assert len({fn.profile_name(u) for u in ("alice", "Alice", "ALICE")}) == 3


def test_over_long_names_are_cut_and_hashed():
    fn = load_function()
    for long_name in ("a" * 64, "a" * 200, "first.last@" + "sub." * 20 + "example.com"):
        name = fn.profile_name(long_name)
        assert len(name) <= 63 and VALID.match(name), name
        assert name.endswith("-" + sha8(long_name))
    assert fn.profile_name("a" * 64) != fn.profile_name("a" * 65)


def test_profile_names_are_stable_valid_and_distinct_for_many_user_names():
    fn = load_function()
    rng = random.Random(7)
    alphabet = "abcXYZ019.@_-+ éüß山"
    users = {"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 90))) for _ in range(3000)}
    names = {u: fn.profile_name(u) for u in users}
    assert all(VALID.match(n) for n in names.values())
    assert len(set(names.values())) == len(users)
    assert all(load_function().profile_name(u) == n for u, n in list(names.items())[:50])


def test_an_empty_user_name_is_an_error():
    fn = load_function()
    with pytest.raises(ValueError):
        fn.profile_name("")


def test_importing_the_module_calls_no_aws(monkeypatch):
    def no_clients(*args, **kwargs):
        raise AssertionError("boto3.client called at import time")

    monkeypatch.setattr(boto3, "client", no_clients)
    fn = load_function()
    assert fn._clients == {}


# ---------------------------------------------------------------------------------------
# Onboarding
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("sample", ["added-identitystore-create-group-membership",
                                    "added-sso-directory-add-member-to-group"])
def test_onboarding_creates_the_profile_from_both_event_shapes(env, sample):
    env.describe_user("jane.doe@example.com")
    env.memberships([RESEARCHERS])
    name = "jane-doe-example-com-" + sha8("jane.doe@example.com")
    env.create(name, "jane.doe@example.com", RESEARCHER_ROLE)
    result = env.fn.onboard(event(sample), None)
    assert result["decision"] == "created" and result["profile"] == name
    logs = env.logs()
    assert decisions(logs) == ["created"]
    assert logs[0]["role"] == RESEARCHER_ROLE and logs[0]["group_id"] == RESEARCHERS


def test_a_group_is_matched_by_id_never_by_display_name(env):
    # A group that someone named like a mapped one has another id: it gets nothing, and its
    # name is never looked up (the stubbed Identity Store has no DescribeGroup response:
    # a lookup would fail the test).
    e = event("added-identitystore-create-group-membership")
    e["detail"]["requestParameters"]["groupId"] = OTHER_GROUP
    assert env.fn.onboard(e) == {"decision": "ignored-unmapped-group", "group_id": OTHER_GROUP, "user_id": USER}
    assert not hasattr(env.fn, "group_name")


def test_onboarding_matches_every_mapped_group_by_its_id(env):
    e = event("added-identitystore-create-group-membership")
    e["detail"]["requestParameters"]["groupId"] = AUDITORS
    env.describe_user("bob")
    env.memberships([AUDITORS, OTHER_GROUP])
    env.create("bob", "bob", AUDITOR_ROLE)
    assert env.fn.onboard(e)["decision"] == "created"


def test_onboarding_in_dynamodb_mode_reads_the_role_with_getitem(env):
    env.setenv(MAPPING_MODE="dynamodb", MAPPING_TABLE="studio-group-roles", GROUP_ROLES=None)
    env.stubs["dynamodb"].add_response(
        "get_item", {"Item": {"group_id": {"S": RESEARCHERS}, "role_arn": {"S": RESEARCHER_ROLE},
                              "precedence": {"N": "10"}}},
        {"TableName": "studio-group-roles", "Key": {"group_id": {"S": RESEARCHERS}}})
    env.describe_user("carol")
    env.memberships([RESEARCHERS])
    env.create("carol", "carol", RESEARCHER_ROLE)
    assert env.fn.onboard(event("added-sso-directory-add-member-to-group"))["role"] == RESEARCHER_ROLE


def test_dynamodb_precedence_lowest_number_wins(env):
    env.setenv(MAPPING_MODE="dynamodb", MAPPING_TABLE="studio-group-roles", GROUP_ROLES=None)
    e = event("added-identitystore-create-group-membership")
    e["detail"]["requestParameters"]["groupId"] = AUDITORS
    ddb = env.stubs["dynamodb"]
    ddb.add_response("get_item", {"Item": {"group_id": {"S": AUDITORS}, "role_arn": {"S": AUDITOR_ROLE},
                                           "precedence": {"N": "5"}}},
                     {"TableName": "studio-group-roles", "Key": {"group_id": {"S": AUDITORS}}})
    env.describe_user("dave")
    env.memberships([RESEARCHERS, AUDITORS])
    # sorted group ids: the auditors id sorts first and is cached; researchers is read now.
    ddb.add_response("get_item", {"Item": {"group_id": {"S": RESEARCHERS}, "role_arn": {"S": RESEARCHER_ROLE},
                                           "precedence": {"N": "10"}}},
                     {"TableName": "studio-group-roles", "Key": {"group_id": {"S": RESEARCHERS}}})
    env.create("dave", "dave", AUDITOR_ROLE)
    assert env.fn.onboard(e)["role"] == AUDITOR_ROLE


def test_a_user_in_two_mapped_groups_gets_the_first_groups_role(env):
    """The event is for the auditors group, but researchers come first in GROUP_ROLES."""
    e = event("added-identitystore-create-group-membership")
    e["detail"]["requestParameters"]["groupId"] = AUDITORS
    env.describe_user("erin")
    env.memberships([AUDITORS], [RESEARCHERS])  # two pages
    env.create("erin", "erin", RESEARCHER_ROLE)
    assert env.fn.onboard(e)["role"] == RESEARCHER_ROLE


def test_the_events_group_counts_even_before_the_listing_shows_it(env):
    env.describe_user("frank")
    env.memberships([])  # eventual consistency: the new membership is not listed yet
    env.create("frank", "frank", RESEARCHER_ROLE)
    assert env.fn.onboard(event("added-identitystore-create-group-membership"))["decision"] == "created"


def test_onboarding_twice_is_not_an_error(env):
    env.describe_user("grace")
    env.memberships([RESEARCHERS])
    env.sm_error("create_user_profile", "ResourceInUse", DomainId=DOMAIN, UserProfileName="grace",
                 SingleSignOnUserIdentifier="UserName", SingleSignOnUserValue="grace",
                 UserSettings={"ExecutionRole": RESEARCHER_ROLE}, Tags=[{"Key": TAG, "Value": USER}])
    env.profile("grace", "grace", RESEARCHER_ROLE)
    env.tags("grace")
    assert env.fn.onboard(event("added-identitystore-create-group-membership"))["decision"] == "unchanged"
    assert decisions(env.logs()) == ["unchanged"]


def test_an_existing_profile_with_another_role_is_switched_to_the_precedence_role(env):
    env.describe_user("heidi")
    env.memberships([RESEARCHERS, AUDITORS])
    env.sm_error("create_user_profile", "ResourceInUse", DomainId=DOMAIN, UserProfileName="heidi",
                 SingleSignOnUserIdentifier="UserName", SingleSignOnUserValue="heidi",
                 UserSettings={"ExecutionRole": RESEARCHER_ROLE}, Tags=[{"Key": TAG, "Value": USER}])
    env.profile("heidi", "heidi", AUDITOR_ROLE)
    env.tags("heidi")
    env.sm("update_user_profile", {}, DomainId=DOMAIN, UserProfileName="heidi",
           UserSettings={"ExecutionRole": RESEARCHER_ROLE})
    # No app is deleted when a user gains a role.
    assert env.fn.onboard(event("added-identitystore-create-group-membership"))["decision"] == "switched-role"


def test_a_profile_made_by_someone_else_is_left_alone(env):
    env.describe_user("ivan")
    env.memberships([RESEARCHERS])
    env.sm_error("create_user_profile", "ResourceInUse", DomainId=DOMAIN, UserProfileName="ivan",
                 SingleSignOnUserIdentifier="UserName", SingleSignOnUserValue="ivan",
                 UserSettings={"ExecutionRole": RESEARCHER_ROLE}, Tags=[{"Key": TAG, "Value": USER}])
    env.profile("ivan", "ivan", AUDITOR_ROLE)
    env.tags("ivan", uid=None)
    assert env.fn.onboard(event("added-identitystore-create-group-membership"))["decision"] == \
        "kept-unmanaged-profile"


def test_a_profile_of_another_sso_user_with_the_same_name_is_an_error(env):
    env.describe_user("judy")
    env.memberships([RESEARCHERS])
    env.sm_error("create_user_profile", "ResourceInUse", DomainId=DOMAIN, UserProfileName="judy",
                 SingleSignOnUserIdentifier="UserName", SingleSignOnUserValue="judy",
                 UserSettings={"ExecutionRole": RESEARCHER_ROLE}, Tags=[{"Key": TAG, "Value": USER}])
    env.profile("judy", "Judy", RESEARCHER_ROLE)
    with pytest.raises(RuntimeError, match="another user"):
        env.fn.onboard(event("added-identitystore-create-group-membership"))


def test_an_unmapped_group_is_ignored_with_one_log_line(env):
    e = event("added-sso-directory-add-member-to-group")
    e["detail"]["requestParameters"]["groupId"] = OTHER_GROUP
    result = env.fn.onboard(e)
    assert result["decision"] == "ignored-unmapped-group"
    logs = env.logs()
    assert logs == [{"decision": "ignored-unmapped-group", "group_id": OTHER_GROUP, "user_id": USER}]


def test_a_failed_api_call_is_ignored(env):
    assert env.fn.onboard(event("failed-identitystore-create-group-membership"))["decision"] == \
        "ignored-failed-call"


def test_an_event_of_another_identity_store_is_ignored(env):
    e = event("added-identitystore-create-group-membership")
    e["detail"]["requestParameters"]["identityStoreId"] = "d-9999999999"
    assert env.fn.onboard(e)["decision"] == "ignored-other-identity-store"


def test_access_denied_from_describe_user_raises(env):
    env.stubs["identitystore"].add_client_error(
        "describe_user", service_error_code="AccessDeniedException", http_status_code=403,
        expected_params={"IdentityStoreId": STORE, "UserId": USER})
    with pytest.raises(ClientError) as err:
        env.fn.onboard(event("added-identitystore-create-group-membership"))
    assert err.value.response["Error"]["Code"] == "AccessDeniedException"


def test_other_create_errors_raise(env):
    env.describe_user("kim")
    env.memberships([RESEARCHERS])
    env.sm_error("create_user_profile", "ResourceLimitExceeded", DomainId=DOMAIN, UserProfileName="kim",
                 SingleSignOnUserIdentifier="UserName", SingleSignOnUserValue="kim",
                 UserSettings={"ExecutionRole": RESEARCHER_ROLE}, Tags=[{"Key": TAG, "Value": USER}])
    with pytest.raises(ClientError):
        env.fn.onboard(event("added-identitystore-create-group-membership"))


@pytest.mark.parametrize("bad", [
    {},
    {"detail": "nope"},
    {"detail-type": "AWS API Call via CloudTrail", "detail": {"eventName": "CreateGroupMembership"}},
    {"detail": {"requestParameters": {"identityStoreId": STORE, "groupId": RESEARCHERS}}},
    {"detail": {"requestParameters": {"identityStoreId": STORE, "memberId": {"userId": USER}}}},
    {"detail": {"requestParameters": {"identityStoreId": STORE, "groupId": RESEARCHERS,
                                      "memberId": {"unexpected": USER}}}},
])
def test_malformed_events_raise(env, bad):
    with pytest.raises(ValueError):
        env.fn.onboard(bad)


@pytest.mark.parametrize("change", [
    {"DOMAIN_ID": None}, {"IDENTITY_STORE_ID": ""}, {"MAPPING_MODE": "ldap"},
    {"GROUP_ROLES": '[{"group": "x"}]'}, {"GROUP_ROLES": '[{"group": "x", "role_arn": "arn:aws:iam::1:role/x"}]'},
    {"GROUP_ROLES": "not json"}, {"GROUP_ROLES": "{}"},
    {"MAPPING_MODE": "dynamodb", "MAPPING_TABLE": None},
])
def test_bad_configuration_raises(env, change):
    env.setenv(**change)
    with pytest.raises(ValueError):
        env.fn.onboard(event("added-identitystore-create-group-membership"))


# ---------------------------------------------------------------------------------------
# Offboarding
# ---------------------------------------------------------------------------------------

def test_offboarding_deletes_all_apps_and_spaces_then_the_profile(env):
    name = "lee"
    env.describe_user(name)
    env.profile(name, name, RESEARCHER_ROLE)
    env.tags(name)
    env.memberships([OTHER_GROUP])  # no mapped group left
    # delete_apps: the user's apps (2 pages) and those of the user's own space
    env.apps([("JupyterServer", "default", "InService"), ("KernelGateway", "old", "Deleted")],
             [("KernelGateway", "datascience-1-0-ml-t3-medium-1a2b", "InService")], profile=name)
    env.spaces([("lee-private", name, "InService"), ("team-shared", "someone-else", "InService")],
               [("lee-notes", name, "InService")])
    env.apps([("JupyterLab", "default", "InService")], space="lee-private")
    env.apps([("CodeEditor", "default", "Failed")], space="lee-notes")
    env.delete_app("JupyterServer", "default", profile=name)
    env.delete_app("KernelGateway", "datascience-1-0-ml-t3-medium-1a2b", profile=name)
    env.delete_app("JupyterLab", "default", space="lee-private")
    env.delete_app("CodeEditor", "default", space="lee-notes")
    # wait, first poll: still deleting
    env.apps([("JupyterServer", "default", "Deleting")], profile=name)
    env.spaces([("lee-private", name, "InService"), ("lee-notes", name, "InService")])
    env.apps([("JupyterLab", "default", "Deleting")], space="lee-private")
    env.apps([], space="lee-notes")
    # second poll: all deleted (or gone from the listing)
    env.apps([("JupyterServer", "default", "Deleted")], profile=name)
    env.spaces([("lee-private", name, "InService"), ("lee-notes", name, "InService")])
    env.apps([("JupyterLab", "default", "Deleted")], space="lee-private")
    env.apps([], space="lee-notes")
    # spaces
    env.spaces([("lee-private", name, "InService"), ("lee-notes", name, "Deleting")])
    env.sm("delete_space", {}, DomainId=DOMAIN, SpaceName="lee-private")
    env.spaces([("lee-private", name, "Deleting")])
    env.spaces([("team-shared", "someone-else", "InService")])
    env.sm("delete_user_profile", {}, DomainId=DOMAIN, UserProfileName=name)

    result = env.fn.offboard(event("removed-sso-directory-remove-member-from-group"), None)
    assert result["decision"] == "deleted" and result["profile"] == name
    assert env.clock.sleeps == [10.0, 10.0]
    assert decisions(env.logs()) == ["deleted"]


def test_offboarding_gives_up_after_the_timeout(env):
    name = "mia"
    env.describe_user(name)
    env.profile(name, name, RESEARCHER_ROLE)
    env.tags(name)
    env.memberships([])
    env.apps([("JupyterServer", "default", "InService")], profile=name)
    env.spaces([])
    env.delete_app("JupyterServer", "default", profile=name)
    for _ in range(7):  # polls at t = 0, 10, ..., 60: never deleted
        env.apps([("JupyterServer", "default", "Deleting")], profile=name)
        env.spaces([])
    with pytest.raises(TimeoutError, match="apps still there after 60s"):
        env.fn.offboard(event("removed-sso-directory-remove-member-from-group"))
    assert env.clock.sleeps == [10.0] * 6 and env.clock.now == 60.0


def test_offboarding_switches_to_the_role_of_a_mapped_group_the_user_is_still_in(env):
    name = "noah"
    env.describe_user(name)
    env.profile(name, name, RESEARCHER_ROLE)
    env.tags(name)
    env.memberships([RESEARCHERS, AUDITORS])  # the listing may still show the group left
    env.sm("update_user_profile", {}, DomainId=DOMAIN, UserProfileName=name,
           UserSettings={"ExecutionRole": AUDITOR_ROLE})
    # running apps are deleted (not waited for), so no session keeps the researchers' role
    env.apps([("JupyterServer", "default", "InService")], profile=name)
    env.spaces([])
    env.delete_app("JupyterServer", "default", profile=name)
    result = env.fn.offboard(event("removed-sso-directory-remove-member-from-group"))
    assert result == {"decision": "switched-role", "profile": name, "user_id": USER, "role": AUDITOR_ROLE}
    assert env.clock.sleeps == []


def test_offboarding_keeps_the_profile_when_the_role_does_not_change(env):
    e = event("removed-sso-directory-remove-member-from-group")
    e["detail"]["requestParameters"]["groupId"] = AUDITORS
    env.describe_user("olga")
    env.profile("olga", "olga", RESEARCHER_ROLE)
    env.tags("olga")
    env.memberships([RESEARCHERS])
    assert env.fn.offboard(e)["decision"] == "unchanged"


def test_offboarding_an_unmapped_group_is_ignored(env):
    e = event("removed-sso-directory-remove-member-from-group")
    e["detail"]["requestParameters"]["groupId"] = OTHER_GROUP
    assert env.fn.offboard(e)["decision"] == "ignored-unmapped-group"
    assert len(env.logs()) == 1


def test_offboarding_without_a_profile_does_nothing(env):
    env.describe_user("pat")
    env.sm_error("describe_user_profile", "ResourceNotFound", DomainId=DOMAIN, UserProfileName="pat")
    assert env.fn.offboard(event("removed-sso-directory-remove-member-from-group"))["decision"] == "no-profile"


def test_offboarding_never_deletes_a_profile_it_did_not_make(env):
    env.describe_user("quinn")
    env.profile("quinn", "quinn", RESEARCHER_ROLE)
    env.tags("quinn", uid=None)
    assert env.fn.offboard(event("removed-sso-directory-remove-member-from-group"))["decision"] == \
        "kept-unmanaged-profile"


def test_delete_group_membership_checks_every_profile_of_the_domain(env):
    """The Identity Store event names only the membership: every profile made by the
    function is checked against its user's current groups."""
    other_user = "9f8e7d6c5b-00112233-4455-4677-8899-aabbccddeeff"
    env.sm("list_user_profiles", {"UserProfiles": [
        {"DomainId": DOMAIN, "UserProfileName": "admin-made", "Status": "InService"},
        {"DomainId": DOMAIN, "UserProfileName": "rita", "Status": "InService"}], "NextToken": "p2"},
        DomainIdEquals=DOMAIN)
    env.sm("list_user_profiles", {"UserProfiles": [
        {"DomainId": DOMAIN, "UserProfileName": "sam", "Status": "InService"}]},
        DomainIdEquals=DOMAIN, NextToken="p2")
    env.profile("admin-made", "admin", AUDITOR_ROLE)
    env.tags("admin-made", uid=None)
    env.profile("rita", "rita", RESEARCHER_ROLE)
    env.tags("rita", uid=other_user)
    env.memberships([RESEARCHERS], uid=other_user)
    env.profile("sam", "sam", RESEARCHER_ROLE)
    env.tags("sam")
    env.memberships([])  # sam left the last mapped group
    env.apps([], profile="sam")
    env.spaces([])
    env.apps([], profile="sam")
    env.spaces([])
    env.spaces([])
    env.spaces([])
    env.sm("delete_user_profile", {}, DomainId=DOMAIN, UserProfileName="sam")

    result = env.fn.offboard(event("removed-identitystore-delete-group-membership"))
    assert result["decision"] == "checked-every-profile"
    assert [(r["decision"], r["profile"]) for r in result["results"]] == [("unchanged", "rita"),
                                                                         ("deleted", "sam")]
    assert decisions(env.logs()) == ["check-every-profile", "kept-unmanaged-profile", "unchanged", "deleted"]


def test_a_deleted_user_falls_back_to_checking_every_profile(env):
    env.stubs["identitystore"].add_client_error(
        "describe_user", service_error_code="ResourceNotFoundException", http_status_code=404,
        expected_params={"IdentityStoreId": STORE, "UserId": USER})
    env.sm("list_user_profiles", {"UserProfiles": []}, DomainIdEquals=DOMAIN)
    assert env.fn.offboard(event("removed-sso-directory-remove-member-from-group"))["results"] == []


def test_offboarding_errors_raise(env):
    env.describe_user("tom")
    env.sm_error("describe_user_profile", "ThrottlingException", DomainId=DOMAIN, UserProfileName="tom")
    with pytest.raises(ClientError):
        env.fn.offboard(event("removed-sso-directory-remove-member-from-group"))


def test_a_removal_naming_neither_member_nor_membership_raises(env):
    e = event("removed-identitystore-delete-group-membership")
    del e["detail"]["requestParameters"]["membershipId"]
    with pytest.raises(ValueError):
        env.fn.offboard(e)
