"""The reconciling functions across accounts (MAPPING set), as the multi-account central
template configures them (it appends the mapping to the code; see
test_the_shipped_central_template_embeds_this_mapping): in every account of its targets a
function assumes that account's provisioning role, reads the domain id and the groups'
execution roles from the account's SSM parameters, and reconciles there, with the groups of
that account only. The Identity Store is moto's server (test_studio_sso_onboarding.World);
STS, SSM and each account's SageMaker are in-memory fakes.
"""

import datetime
import json

import pytest
from botocore.exceptions import ClientError

from test_studio_sso_onboarding import HERE, FakeSageMaker, World, moto_endpoint  # noqa: F401 (a fixture)

RESEARCH, AUDIT = "111111111111", "222222222222"
REGION = "eu-west-1"
STACK = "studio-multi-account"
DOMAIN_PARAMETER = f"/sagesynth/{STACK}/studio-domain-id"
RESEARCHERS_PARAMETER = f"/sagesynth/{STACK}/execution-roles/MlResearchersExecutionRole"
REVIEWERS_PARAMETER = f"/sagesynth/{STACK}/execution-roles/MlReviewersExecutionRole"
AUDITORS_PARAMETER = f"/sagesynth/{STACK}/execution-roles/MlAuditorsExecutionRole"
RESEARCHER_ROLE = f"arn:aws:iam::{RESEARCH}:role/studio-multi-account-MlResearchersExecutionRole-1A2B3C"
REVIEWER_ROLE = f"arn:aws:iam::{RESEARCH}:role/studio-multi-account-MlReviewersExecutionRole-4D5E6F"
AUDITOR_ROLE = f"arn:aws:iam::{AUDIT}:role/studio-multi-account-MlAuditorsExecutionRole-7A8B9C"
# The ids of the shipped definition's groups (the template test below compares).
RESEARCHERS = "9a6749d5-1234-4abc-8def-0123456789ab"
REVIEWERS = "e2b7d4a9-6c31-4f85-8a0d-3b9e5f7c2146"
AUDITORS = "4b2f77c1-5678-4def-9abc-fedcba987654"


def group_roles(ids):
    return [
        {"group": "ml-researchers", "group_id": ids["researchers"], "account_id": RESEARCH,
         "role_parameter": RESEARCHERS_PARAMETER},
        {"group": "ml-reviewers", "group_id": ids["reviewers"], "account_id": RESEARCH,
         "role_parameter": REVIEWERS_PARAMETER},
        {"group": "ml-auditors", "group_id": ids["auditors"], "account_id": AUDIT,
         "role_parameter": AUDITORS_PARAMETER},
    ]


def targets(duty):
    """The targets the stack appends to one function's code: its own roles only."""
    return [{"account_id": a, "region": REGION, "role_name": f"{STACK}-{duty}-{REGION}"} for a in (RESEARCH, AUDIT)]


class FakeSSM:
    def __init__(self, values):
        self.values = values

    def get_parameter(self, Name):
        if Name not in self.values:
            raise ClientError({"Error": {"Code": "ParameterNotFound"}}, "GetParameter")
        return {"Parameter": {"Value": self.values[Name]}}


class FakeSTS:
    def __init__(self):
        self.assumed, self.denied = [], set()

    def assume_role(self, RoleArn, RoleSessionName):
        assert len(RoleSessionName) <= 64
        if RoleArn in self.denied:
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "AssumeRole")
        self.assumed.append(RoleArn)
        return {"Credentials": {"AccessKeyId": RoleArn.split(":")[4], "SecretAccessKey": "s", "SessionToken": "t"}}


@pytest.fixture
def world(moto_endpoint, monkeypatch):
    w = World(moto_endpoint, monkeypatch, PARTITION="aws", DOMAIN_ID_PARAMETER=DOMAIN_PARAMETER)
    monkeypatch.delenv("DOMAIN_ID")
    monkeypatch.delenv("GROUP_ROLES")
    w.groups["reviewers"] = w.ids.create_group(IdentityStoreId=w.store, DisplayName="reviewers")["GroupId"]
    w.accounts = {RESEARCH: FakeSageMaker(), AUDIT: FakeSageMaker()}
    ssm = {RESEARCH: FakeSSM({DOMAIN_PARAMETER: "d-abcdefghij12", RESEARCHERS_PARAMETER: RESEARCHER_ROLE,
                              REVIEWERS_PARAMETER: REVIEWER_ROLE}),
           AUDIT: FakeSSM({DOMAIN_PARAMETER: "d-abcdefghij12", AUDITORS_PARAMETER: AUDITOR_ROLE})}
    w.sts = FakeSTS()
    w.m._clients["sts"] = w.sts
    w.m.member_clients = lambda creds, region: {"sagemaker": w.accounts[creds["AccessKeyId"]],
                                                "ssm": ssm[creds["AccessKeyId"]]}
    ids = dict(w.groups)

    def run(duty, ev):
        w.m.MAPPING = {"groups": group_roles(ids), "targets": targets(duty)}
        return (w.m.onboard if duty == "onboarding" else w.m.offboard)(ev)
    w.run = run
    w.both = lambda ev: (run("onboarding", ev), run("offboarding", ev))
    return w


def test_a_user_gets_a_profile_in_the_account_of_their_group_only(world):
    uid = world.user("alice")
    world.join(uid, "reviewers")
    world.join(uid, "auditors")
    world.both(world.membership_event(uid, "reviewers"))
    assert world.accounts[RESEARCH].state() == {"alice": (uid, REVIEWER_ROLE, None, None)}
    assert world.accounts[AUDIT].state() == {"alice": (uid, AUDITOR_ROLE, None, None)}
    assert f"arn:aws:iam::{RESEARCH}:role/{STACK}-onboarding-{REGION}" in world.sts.assumed
    assert f"arn:aws:iam::{AUDIT}:role/{STACK}-offboarding-{REGION}" in world.sts.assumed


def test_the_first_group_of_the_account_gives_the_role(world):
    uid = world.user("bob")
    world.join(uid, "reviewers")
    world.join(uid, "researchers")
    world.both({"reconcile": "all"})
    assert world.accounts[RESEARCH].state()["bob"][1] == RESEARCHER_ROLE
    assert world.accounts[AUDIT].state() == {}


def test_leaving_one_accounts_groups_offboards_there_only(world):
    uid = world.user("carol")
    world.join(uid, "researchers")
    world.join(uid, "auditors")
    world.both({"reconcile": "all"})
    world.leave(uid, "auditors")
    world.both(world.cloudtrail("identitystore-scim.amazonaws.com", "PatchGroup", {"tenantId": "x"}))
    assert world.accounts[AUDIT].state()["carol"][2] == "2026-03-08"
    assert world.accounts[RESEARCH].state()["carol"][2] is None
    world.today += datetime.timedelta(days=7)
    world.both({"detail-type": "Scheduled Event"})
    assert world.accounts[AUDIT].state() == {}
    assert "carol" in world.accounts[RESEARCH].state()


def test_a_denied_assume_raises_with_the_role_and_the_reason_so_the_event_goes_to_the_dlq(world):
    role = f"arn:aws:iam::{AUDIT}:role/{STACK}-onboarding-{REGION}"
    world.sts.denied.add(role)
    with pytest.raises(RuntimeError, match=f"cannot assume {role}.*AccessDenied"):
        world.run("onboarding", {"reconcile": "all"})


@pytest.mark.parametrize("mapping", [{"groups": []}, {"targets": [{"account_id": RESEARCH}]}, ["x"]])
def test_bad_cross_account_configuration_raises(world, mapping):
    world.m.MAPPING = mapping
    with pytest.raises(ValueError):
        world.m.onboard({"reconcile": "all"})


def test_the_shipped_central_template_embeds_this_mapping():
    """The mapping these tests use is the one the shipped central template appends to the
    functions' code, and the code runs with it: loaded as Lambda would load index.py."""
    central = json.loads((HERE.parents[1] / "out" / f"{STACK}.template.json").read_text())
    ids = {"researchers": RESEARCHERS, "reviewers": REVIEWERS, "auditors": AUDITORS}
    for name, duty in (("OnboardingFunction", "onboarding"), ("OffboardingFunction", "offboarding")):
        props = central["Resources"][name]["Properties"]
        namespace = {"__name__": "index"}
        exec(compile(props["Code"]["ZipFile"], "index.py", "exec"), namespace)
        assert namespace["MAPPING"]["groups"] == group_roles(ids)
        assert namespace["MAPPING"]["targets"] == targets(duty)
        variables = props["Environment"]["Variables"]
        assert variables["PARTITION"] == {"Ref": "AWS::Partition"}
        assert variables["METRIC_STACK_NAME"] == {"Ref": "AWS::StackName"}
        assert "GROUP_ROLES" not in variables
