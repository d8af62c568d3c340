"""The on-/offboarding functions across accounts (MAPPING set), as the multi-account
central template configures them (it appends the mapping to the code; see
test_the_shipped_central_template_embeds_this_mapping): each group maps to a Studio account;
the function assumes that account's provisioning role, reads the domain id and the
group's execution role from the account's SSM parameters, and makes the profile there.

STS, SSM, SageMaker and Identity Store are botocore Stubbers (see
test_studio_sso_onboarding.py): any unexpected call, order or parameter fails the test.
"""

import json

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from test_studio_sso_onboarding import HERE, AUDITORS, OTHER_GROUP, RESEARCHERS, TAG, USER, Env, decisions, event

DOMAIN = "d-abcdefghij12"  # the member domain, as its SSM parameter says
RESEARCH, AUDIT = "111111111111", "222222222222"
REGION = "eu-west-1"
STACK = "studio-multi-account"
DOMAIN_PARAMETER = f"/sagesynth/{STACK}/studio-domain-id"
RESEARCHERS_PARAMETER = f"/sagesynth/{STACK}/execution-roles/MlResearchersExecutionRole"
REVIEWERS_PARAMETER = f"/sagesynth/{STACK}/execution-roles/MlReviewersExecutionRole"
AUDITORS_PARAMETER = f"/sagesynth/{STACK}/execution-roles/MlAuditorsExecutionRole"
RESEARCHER_ROLE = f"arn:aws:iam::{RESEARCH}:role/studio-multi-account-MlResearchersExecutionRole-1A2B3C"
REVIEWER_ROLE = f"arn:aws:iam::{RESEARCH}:role/studio-multi-account-MlReviewersExecutionRole-4D5E6F"
REVIEWERS = "e2b7d4a9-6c31-4f85-8a0d-3b9e5f7c2146"


def provisioning_role(account, duty="onboarding"):
    """Each function has its own provisioning role in each account and region."""
    return f"arn:aws:iam::{account}:role/{STACK}-{duty}-{REGION}"


# The shipped multi-account definition's mapping: researchers and reviewers work in the
# research account (in that precedence), auditors in the audit account; every group is
# matched by its id.
GROUP_ROLES = [
    {"group": "ml-researchers", "group_id": RESEARCHERS, "account_id": RESEARCH,
     "role_parameter": RESEARCHERS_PARAMETER},
    {"group": "ml-reviewers", "group_id": REVIEWERS, "account_id": RESEARCH, "role_parameter": REVIEWERS_PARAMETER},
    {"group": "ml-auditors", "group_id": AUDITORS, "account_id": AUDIT, "role_parameter": AUDITORS_PARAMETER},
]
def targets(duty):
    """The targets the stack appends to one function's code: its own roles only."""
    return [{"account_id": a, "region": REGION, "role_name": f"{STACK}-{duty}-{REGION}"} for a in (RESEARCH, AUDIT)]


TARGETS = targets("onboarding")
CREDENTIALS = {"AccessKeyId": "ASIAEXAMPLEEXAMPLE1", "SecretAccessKey": "secret", "SessionToken": "token",
               "Expiration": "2026-11-25T12:00:00Z"}


class CrossEnv(Env):
    """Env plus a stubbed STS client (this account) and the member account's stubbed
    SSM and SageMaker clients, handed out by a replaced member_clients()."""

    def __init__(self, monkeypatch, capsys):
        super().__init__(monkeypatch, capsys)
        for name in ("sts", "ssm"):
            client = boto3.client(name, region_name=REGION, aws_access_key_id="testing",
                                  aws_secret_access_key="testing")
            self.stubs[name] = Stubber(client)
            self.stubs[name].activate()
            if name == "sts":
                self.fn._clients[name] = client
            else:
                self.ssm_client = client
        self.member_sessions = []

        def member_clients(credentials, region):
            self.member_sessions.append((credentials["AccessKeyId"], region))
            return {"sagemaker": self.fn._clients["sagemaker"], "ssm": self.ssm_client}

        self.fn.member_clients = member_clients
        self.fn.MAPPING = {"groups": GROUP_ROLES, "targets": TARGETS}
        self.duty = "onboarding"
        self.setenv(DOMAIN_ID=None, GROUP_ROLES=None, DOMAIN_ID_PARAMETER=DOMAIN_PARAMETER, PARTITION="aws")

    def offboarding(self):
        """Runs as the offboarding function's code: its mapping names its own roles."""
        self.duty = "offboarding"
        self.fn.MAPPING = {"groups": GROUP_ROLES, "targets": targets("offboarding")}

    def assume(self, account, session):
        self.stubs["sts"].add_response(
            "assume_role", {"Credentials": CREDENTIALS,
                            "AssumedRoleUser": {"AssumedRoleId": "AROAEXAMPLEEXAMPLE1:" + session,
                                                "Arn": f"arn:aws:sts::{account}:assumed-role/x/{session}"}},
            {"RoleArn": provisioning_role(account, self.duty), "RoleSessionName": session})

    def parameter(self, name, value):
        self.stubs["ssm"].add_response(
            "get_parameter", {"Parameter": {"Name": name, "Type": "String", "Value": value, "Version": 1}},
            {"Name": name})

    def create_here(self, name, user_name, role):
        self.sm("create_user_profile", {"UserProfileArn": "arn:aws:sagemaker:::x"}, DomainId=DOMAIN,
                UserProfileName=name, SingleSignOnUserIdentifier="UserName", SingleSignOnUserValue=user_name,
                UserSettings={"ExecutionRole": role}, Tags=[{"Key": TAG, "Value": USER}])


@pytest.fixture
def env(monkeypatch, capsys):
    e = CrossEnv(monkeypatch, capsys)
    yield e
    e.verify()


def test_onboarding_assumes_the_accounts_provisioning_role_and_creates_the_profile_there(env):
    env.describe_user("kim")
    env.assume(RESEARCH, f"onboard-{USER}")
    env.parameter(DOMAIN_PARAMETER, DOMAIN)
    # kim is also an auditor: that group is in the audit account, so it does not compete here
    env.memberships([AUDITORS, RESEARCHERS])
    env.parameter(RESEARCHERS_PARAMETER, RESEARCHER_ROLE)
    env.create_here("kim", "kim", RESEARCHER_ROLE)

    result = env.fn.onboard(event("added-identitystore-create-group-membership"))

    assert result == {"decision": "onboarded-in-accounts", "results": [
        {"decision": "created", "profile": "kim", "user_id": USER, "group_id": RESEARCHERS, "role": RESEARCHER_ROLE,
         "account_id": RESEARCH, "region": REGION}]}
    assert env.member_sessions == [("ASIAEXAMPLEEXAMPLE1", REGION)]  # the assumed credentials, in the account's region
    assert env.fn.C["member"] is None  # nothing of the member session is left for the next event


def test_the_first_group_of_the_account_gives_the_role(env):
    e = event("added-identitystore-create-group-membership")
    e["detail"]["requestParameters"]["groupId"] = REVIEWERS
    env.describe_user("kim")
    env.assume(RESEARCH, f"onboard-{USER}")
    env.parameter(DOMAIN_PARAMETER, DOMAIN)
    env.memberships([RESEARCHERS, REVIEWERS])
    env.parameter(RESEARCHERS_PARAMETER, RESEARCHER_ROLE)  # researchers come first in this account
    env.create_here("kim", "kim", RESEARCHER_ROLE)
    assert env.fn.onboard(e)["results"][0]["role"] == RESEARCHER_ROLE


def test_a_denied_assume_raises_with_the_role_and_the_reason_so_the_event_goes_to_the_dlq(env):
    env.describe_user("kim")
    env.stubs["sts"].add_client_error(
        "assume_role", service_error_code="AccessDenied", http_status_code=403,
        service_message="User is not authorized to perform: sts:AssumeRole",
        expected_params={"RoleArn": provisioning_role(RESEARCH), "RoleSessionName": f"onboard-{USER}"})
    with pytest.raises(RuntimeError) as err:
        env.fn.onboard(event("added-identitystore-create-group-membership"))
    message = str(err.value)
    assert provisioning_role(RESEARCH) in message and RESEARCH in message and REGION in message
    assert "AccessDenied" in message and "not authorized" in message
    assert isinstance(err.value.__cause__, ClientError)
    assert env.member_sessions == []  # no member call was made


def test_a_group_mapped_to_no_account_is_ignored_with_a_log_line(env):
    e = event("added-identitystore-create-group-membership")
    e["detail"]["requestParameters"]["groupId"] = OTHER_GROUP
    assert env.fn.onboard(e)["decision"] == "ignored-unmapped-group"
    assert env.logs() == [{"decision": "ignored-unmapped-group", "group_id": OTHER_GROUP, "user_id": USER}]
    assert env.member_sessions == []


def test_session_names_are_cut_to_what_sts_accepts(env):
    e = event("added-identitystore-create-group-membership")
    long_user = "u" * 80
    e["detail"]["requestParameters"]["memberId"]["userId"] = long_user
    env.describe_user("kim", uid=long_user)
    session = f"onboard-{long_user}"[:64]
    env.stubs["sts"].add_client_error("assume_role", service_error_code="AccessDenied", http_status_code=403,
                                      expected_params={"RoleArn": provisioning_role(RESEARCH),
                                                       "RoleSessionName": session})
    with pytest.raises(RuntimeError):
        env.fn.onboard(e)


def test_offboarding_in_the_account_ignores_groups_of_other_accounts(env):
    # lee leaves the researchers; the auditors group they are still in is in the audit
    # account, so in the research account no group is left: the profile goes.
    name = "lee"
    env.offboarding()
    env.assume(RESEARCH, f"offboard-{USER}")
    env.parameter(DOMAIN_PARAMETER, DOMAIN)
    env.describe_user(name)
    env.profile(name, name, RESEARCHER_ROLE)
    env.tags(name)
    env.memberships([AUDITORS])
    env.apps([], profile=name)
    env.spaces([])
    env.apps([], profile=name)
    env.spaces([])
    env.spaces([])
    env.spaces([])
    env.sm("delete_user_profile", {}, DomainId=DOMAIN, UserProfileName=name)

    result = env.fn.offboard(event("removed-sso-directory-remove-member-from-group"))

    assert result["decision"] == "offboarded-in-accounts"
    assert [(r["decision"], r["account_id"]) for r in result["results"]] == [("deleted", RESEARCH)]
    assert decisions(env.logs()) == ["deleted"]


def test_a_membership_only_removal_checks_every_account(env):
    e = event("removed-identitystore-delete-group-membership")
    env.offboarding()
    for account in (RESEARCH, AUDIT):
        env.assume(account, f"offboard-{e['detail']['requestParameters']['membershipId']}")
        env.parameter(DOMAIN_PARAMETER, DOMAIN)
        env.sm("list_user_profiles", {"UserProfiles": []}, DomainIdEquals=DOMAIN)
    result = env.fn.offboard(e)
    assert [r["account_id"] for r in result["results"]] == [RESEARCH, AUDIT]
    assert all(r["decision"] == "checked-every-profile" for r in result["results"])


@pytest.mark.parametrize("env_change, mapping", [
    ({"DOMAIN_ID_PARAMETER": None}, None),
    ({"PARTITION": None}, None),
    ({}, {"groups": GROUP_ROLES, "targets": [{"account_id": RESEARCH}]}),
    ({}, {"groups": [{"group": "x", "group_id": None, "role_arn": "arn:aws:iam::1:role/x"}], "targets": TARGETS}),
    ({}, {"groups": [{"group": "x", "account_id": RESEARCH, "role_parameter": "/p"}], "targets": TARGETS}),
    ({}, ["not", "a", "mapping"]),
])
def test_bad_cross_account_configuration_raises(env, env_change, mapping):
    env.setenv(**env_change)
    if mapping is not None:
        env.fn.MAPPING = mapping
    with pytest.raises(ValueError):
        env.fn.onboard(event("added-identitystore-create-group-membership"))


def test_the_shipped_central_template_embeds_this_mapping():
    """The mapping these tests use is the one the shipped central template appends to the
    functions' code, and the code runs with it: loaded as Lambda would load index.py."""
    central = json.loads((HERE.parents[1] / "out" / f"{STACK}.template.json").read_text())
    for name, duty in (("OnboardingFunction", "onboarding"), ("OffboardingFunction", "offboarding")):
        props = central["Resources"][name]["Properties"]
        code = props["Code"]["ZipFile"]
        namespace = {"__name__": "index"}
        exec(compile(code, "index.py", "exec"), namespace)
        assert namespace["MAPPING"]["groups"] == GROUP_ROLES
        assert namespace["MAPPING"]["targets"] == targets(duty)
        assert props["Environment"]["Variables"]["PARTITION"] == {"Ref": "AWS::Partition"}
        assert "GROUP_ROLES" not in props["Environment"]["Variables"]

