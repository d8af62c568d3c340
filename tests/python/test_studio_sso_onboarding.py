"""The reconciling on-/offboarding functions (src/constructs/functions/studio_sso_onboarding.py).

The Identity Store is moto's server (moto 5.2.1 implements users, groups, memberships and
their paginated listings); each test uses its own identity store id. SageMaker, CloudWatch,
STS and SSM are in-memory fakes that keep state (profiles, tags, apps, spaces) and fail
like the service does (ResourceInUse on a second CreateUserProfile, ResourceNotFound on
what is gone), with two items per page so that every listing is paginated. No network
beyond localhost, no credentials.

Sample events (events/*.json) are EventBridge "AWS API Call via CloudTrail" envelopes
written for these tests, see test_event_patterns.py for the pages they follow.
"""

import datetime
import importlib.util
import json
import socket
import sys
import uuid
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings, strategies as st

sys.dont_write_bytecode = True  # keep src/ free of __pycache__

HERE = Path(__file__).resolve().parent
FUNCTION = HERE.parents[1] / "src" / "constructs" / "functions" / "studio_sso_onboarding.py"
EVENTS = HERE / "events"
ACCOUNT = "111122223333"
DOMAIN = "d-abcdefghij12"
RESEARCHER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/studio-ml-researchers"
AUDITOR_ROLE = f"arn:aws:iam::{ACCOUNT}:role/studio-ml-auditors"
TAG = "sagesynth:identitystore-user-id"
OFFBOARD_AFTER = "sagesynth:offboard-after"
QUARANTINED = "sagesynth:quarantined"
TODAY = datetime.date(2026, 3, 1)
# The ids the sample events name, replaced by this test's.
SAMPLE_STORE = "d-1234567890"
SAMPLE_USER = "c8e1f2a3b4-5d6e7f80-1a2b-4c3d-9e8f-0a1b2c3d4e5f"
SAMPLE_GROUP = "9a6749d5-1234-4abc-8def-0123456789ab"


def load_function():
    spec = importlib.util.spec_from_file_location("studio_sso_onboarding", FUNCTION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def event(name):
    return json.loads((EVENTS / f"{name}.json").read_text())


def error(code, op):
    return ClientError({"Error": {"Code": code, "Message": code}}, op)


def paged(items, kw, key, size=2):
    start = int(kw.get("NextToken") or 0)
    out = {key: items[start:start + size]}
    if start + size < len(items):
        out["NextToken"] = str(start + size)
    return out


class FakeSageMaker:
    """A domain's profiles, tags, apps and spaces."""

    def __init__(self):
        self.profiles, self.apps, self.spaces, self.calls = {}, [], [], []

    def _profile(self, name, op):
        if name not in self.profiles:
            raise error("ResourceNotFound", op)
        return self.profiles[name]

    def _by_arn(self, arn, op):
        return next((p for p in self.profiles.values() if p["UserProfileArn"] == arn), None) or self._profile("", op)

    def create_user_profile(self, DomainId, UserProfileName, SingleSignOnUserIdentifier, SingleSignOnUserValue,
                            UserSettings, Tags):
        assert DomainId == DOMAIN and SingleSignOnUserIdentifier == "UserName"
        self.calls.append(("create", UserProfileName))
        if UserProfileName in self.profiles:
            raise error("ResourceInUse", "CreateUserProfile")
        self.profiles[UserProfileName] = {
            "UserProfileName": UserProfileName, "DomainId": DomainId, "Status": "InService",
            "UserProfileArn": f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:user-profile/{DomainId}/{UserProfileName}",
            "SingleSignOnUserValue": SingleSignOnUserValue, "UserSettings": dict(UserSettings),
            "Tags": {t["Key"]: t["Value"] for t in Tags}}

    def describe_user_profile(self, DomainId, UserProfileName):
        p = self._profile(UserProfileName, "DescribeUserProfile")
        return {k: v for k, v in p.items() if k != "Tags"}

    def update_user_profile(self, DomainId, UserProfileName, UserSettings):
        self.calls.append(("update", UserProfileName))
        self._profile(UserProfileName, "UpdateUserProfile")["UserSettings"] = dict(UserSettings)

    def delete_user_profile(self, DomainId, UserProfileName):
        self.calls.append(("delete", UserProfileName))
        self._profile(UserProfileName, "DeleteUserProfile")
        del self.profiles[UserProfileName]

    def list_user_profiles(self, DomainIdEquals, **kw):
        return paged([{"UserProfileName": n} for n in sorted(self.profiles)], kw, "UserProfiles")

    def list_tags(self, ResourceArn, **kw):
        p = self._by_arn(ResourceArn, "ListTags")
        return paged([{"Key": k, "Value": v} for k, v in sorted(p["Tags"].items())], kw, "Tags")

    def add_tags(self, ResourceArn, Tags):
        self.calls.append(("tag", ResourceArn.rsplit("/", 1)[1], tuple(t["Key"] for t in Tags)))
        self._by_arn(ResourceArn, "AddTags")["Tags"].update({t["Key"]: t["Value"] for t in Tags})

    def delete_tags(self, ResourceArn, TagKeys):
        self.calls.append(("untag", ResourceArn.rsplit("/", 1)[1], tuple(TagKeys)))
        for k in TagKeys:
            self._by_arn(ResourceArn, "DeleteTags")["Tags"].pop(k, None)

    def list_apps(self, DomainIdEquals, UserProfileNameEquals=None, SpaceNameEquals=None, **kw):
        apps = [a for a in self.apps if (UserProfileNameEquals and a.get("UserProfileName") == UserProfileNameEquals)
                or (SpaceNameEquals and a.get("SpaceName") == SpaceNameEquals)]
        return paged(apps, kw, "Apps")

    def delete_app(self, DomainId, AppType, AppName, UserProfileName=None, SpaceName=None):
        self.calls.append(("delete-app", AppName))
        for a in self.apps:
            if a["AppName"] == AppName:
                a["Status"] = "Deleted"

    def list_spaces(self, DomainIdEquals, **kw):
        return paged(self.spaces, kw, "Spaces")

    def delete_space(self, DomainId, SpaceName):
        self.calls.append(("delete-space", SpaceName))
        self.spaces = [s for s in self.spaces if s["SpaceName"] != SpaceName]

    def state(self):
        """name -> (owner, role, pending date, quarantined holder)."""
        return {n: (p["Tags"].get(TAG), p["UserSettings"]["ExecutionRole"], p["Tags"].get(OFFBOARD_AFTER),
                    p["Tags"].get(QUARANTINED)) for n, p in self.profiles.items()}


class FakeCloudWatch:
    def __init__(self):
        self.data = []

    def put_metric_data(self, Namespace, MetricData):
        self.data.append((Namespace, MetricData))

    def last(self, name):
        return next(d["Value"] for _, data in reversed(self.data) for d in data if d["MetricName"] == name)

    def values(self, name):
        return [d["Value"] for _, data in self.data for d in data if d["MetricName"] == name]


class Disabling:
    """The moto identitystore client, with UserStatus DISABLED for chosen users (moto does
    not model the status)."""

    def __init__(self, client):
        self.client, self.disabled = client, set()

    def __getattr__(self, name):
        return getattr(self.client, name)

    def describe_user(self, **kw):
        user = self.client.describe_user(**kw)
        if kw["UserId"] in self.disabled:
            user["UserStatus"] = "DISABLED"
        return user


@pytest.fixture(scope="session")
def moto_endpoint():
    from moto.server import ThreadedMotoServer
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


class World:
    """One identity store on moto, a fake domain, and the function module."""

    def __init__(self, endpoint, monkeypatch, **env):
        for k in list(__import__("os").environ):
            if k.startswith("AWS_"):
                monkeypatch.delenv(k)
        self.store = "d-" + uuid.uuid4().hex[:10]
        self.ids = Disabling(boto3.client("identitystore", region_name="us-east-1", endpoint_url=endpoint,
                                          aws_access_key_id="testing", aws_secret_access_key="testing"))
        self.groups = {}
        for name in ("researchers", "auditors", "other"):
            self.groups[name] = self.ids.create_group(IdentityStoreId=self.store, DisplayName=name)["GroupId"]
        mapping = [{"group": "ml-researchers", "group_id": self.groups["researchers"], "role_arn": RESEARCHER_ROLE},
                   {"group": "ml-auditors", "group_id": self.groups["auditors"], "role_arn": AUDITOR_ROLE}]
        values = {"IDENTITY_STORE_ID": self.store, "MAPPING_MODE": "inline", "DOMAIN_ID": DOMAIN,
                  "GROUP_ROLES": json.dumps(mapping), "APP_DELETE_TIMEOUT_SECONDS": "60", "POLL_SECONDS": "1",
                  "OFFBOARDING_GRACE_DAYS": "7", "METRIC_NAMESPACE": "sagesynth/Onboarding",
                  "METRIC_DIMENSION": "StackName", "METRIC_STACK_NAME": "studio-sso-onboarding",
                  "METRIC_PROFILES_FIXED": "ProfilesFixed", "METRIC_PROFILES_QUARANTINED": "ProfilesQuarantined"}
        values.update(env)
        for k, v in values.items():
            monkeypatch.setenv(k, v)
        self.m = load_function()
        self.sm, self.cw = FakeSageMaker(), FakeCloudWatch()
        self.m._clients.update(identitystore=self.ids, sagemaker=self.sm, cloudwatch=self.cw)
        self.m.today = lambda: self.today
        self.today = TODAY
        self.memberships = {}

    def user(self, name):
        return self.ids.create_user(IdentityStoreId=self.store, UserName=name, DisplayName=name,
                                    Name={"GivenName": name, "FamilyName": "x"})["UserId"]

    def join(self, uid, group):
        mid = self.ids.create_group_membership(IdentityStoreId=self.store, GroupId=self.groups[group],
                                               MemberId={"UserId": uid})["MembershipId"]
        self.memberships[(uid, group)] = mid
        return mid

    def leave(self, uid, group):
        self.ids.delete_group_membership(IdentityStoreId=self.store, MembershipId=self.memberships.pop((uid, group)))

    def delete_user(self, uid):
        for (u, g) in [k for k in self.memberships if k[0] == uid]:
            self.leave(u, g)
        self.ids.delete_user(IdentityStoreId=self.store, UserId=uid)

    def both(self, ev):
        """What EventBridge does: both functions get the event."""
        return self.m.onboard(ev), self.m.offboard(ev)

    def schedule(self):
        return self.both({"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}})

    def cloudtrail(self, source, name, request):
        return {"detail-type": "AWS API Call via CloudTrail", "source": "aws." + source.split(".")[0],
                "detail": {"eventSource": source, "eventName": name, "requestParameters": request}}

    def membership_event(self, uid, group):
        return self.cloudtrail("identitystore.amazonaws.com", "CreateGroupMembership",
                               {"identityStoreId": self.store, "groupId": self.groups[group],
                                "memberId": {"userId": uid}})


@pytest.fixture
def world(moto_endpoint, monkeypatch):
    return World(moto_endpoint, monkeypatch)


def test_a_member_added_event_creates_the_profile_with_the_groups_role(world):
    uid = world.user("alice")
    world.join(uid, "auditors")
    world.both(world.membership_event(uid, "auditors"))
    assert world.sm.state() == {"alice": (uid, AUDITOR_ROLE, None, None)}
    assert world.cw.values("ProfilesFixed") == []  # creating it was the event's job: no drift
    assert ("create", "alice") in world.sm.calls


def test_the_first_mapped_group_gives_the_role(world):
    uid = world.user("bob")
    world.join(uid, "auditors")
    world.join(uid, "researchers")
    world.join(uid, "other")
    world.both(world.membership_event(uid, "auditors"))
    assert world.sm.state()["bob"][1] == RESEARCHER_ROLE


def test_an_event_is_a_hint_the_membership_must_still_exist(world):
    """The bug of issue 18: an onboarding retried after the offboarding recreated the
    profile, because it added the event's group to the user's groups."""
    uid = world.user("carol")
    world.join(uid, "researchers")
    added = world.membership_event(uid, "researchers")
    world.both(added)
    world.leave(uid, "researchers")
    world.both(world.cloudtrail("identitystore.amazonaws.com", "DeleteGroupMembership",
                                {"identityStoreId": world.store, "membershipId": "m-1"}))
    world.today += datetime.timedelta(days=8)
    world.schedule()
    assert world.sm.state() == {}
    world.both(added)  # EventBridge retries the old event
    assert world.sm.state() == {}
    assert [c for c in world.sm.calls if c[0] == "create"] == [("create", "carol")]


@pytest.mark.parametrize("sample", [
    "added-identitystore-create-group-membership", "added-sso-directory-add-member-to-group",
    "removed-identitystore-delete-group-membership", "removed-sso-directory-remove-member-from-group",
    "hint-scim-patch-group", "hint-scim-delete-user", "hint-identitystore-delete-user",
    "hint-sso-directory-disable-user",
])
def test_every_sample_event_is_a_hint_that_reconciles_from_state(world, sample):
    """Whatever the event says, the result is what the Identity Store says now."""
    keep, drop = world.user("dave"), world.user("erin")
    world.join(keep, "researchers")
    world.sm.create_user_profile(DomainId=DOMAIN, UserProfileName="erin", SingleSignOnUserIdentifier="UserName",
                                 SingleSignOnUserValue="erin", UserSettings={"ExecutionRole": AUDITOR_ROLE},
                                 Tags=[{"Key": TAG, "Value": drop}])
    text = (json.dumps(event(sample)).replace(SAMPLE_STORE, world.store)
            .replace(SAMPLE_GROUP, world.groups["researchers"]))
    world.both(json.loads(text.replace(SAMPLE_USER, keep)))
    world.m.offboard(json.loads(text.replace(SAMPLE_USER, drop)))
    state = world.sm.state()
    assert state["dave"] == (keep, RESEARCHER_ROLE, None, None)
    assert state["erin"][2] == "2026-03-08"  # offboarding scheduled, 7 days of grace


def test_a_failed_call_and_another_identity_store_are_ignored(world):
    uid = world.user("frank")
    world.join(uid, "researchers")
    failed = world.membership_event(uid, "researchers")
    failed["detail"]["errorCode"] = "AccessDenied"
    assert world.m.onboard(failed)["decision"] == "ignored-failed-call"
    other = world.membership_event(uid, "researchers")
    other["detail"]["requestParameters"]["identityStoreId"] = "d-0000000000"
    assert world.m.onboard(other)["decision"] == "ignored-other-identity-store"
    assert world.sm.state() == {}


def test_a_scheduled_run_backfills_every_user_over_several_pages(world):
    uids = {f"user{i}": world.user(f"user{i}") for i in range(7)}
    for i, (name, uid) in enumerate(sorted(uids.items())):
        world.join(uid, "researchers" if i % 2 else "auditors")
    world.ids.client.meta.events  # the listings are paged by moto (MaxResults below)
    original = world.ids.client.list_users
    calls = []

    def list_users(**kw):
        calls.append(kw.get("NextToken"))
        return original(**kw, MaxResults=3)
    world.ids.list_users = list_users
    world.schedule()
    assert len(calls) >= 3 * 2  # three pages, for each function
    assert {n: s[:2] for n, s in world.sm.state().items()} == {
        name: (uid, RESEARCHER_ROLE if i % 2 else AUDITOR_ROLE) for i, (name, uid) in enumerate(sorted(uids.items()))}
    assert world.cw.last("ProfilesFixed") == 0  # offboarding ran second and found nothing to fix
    world.schedule()  # idempotent
    assert [c for c in world.sm.calls if c[0] != "create"] == []


class Context:
    def __init__(self, world, seconds):
        self.world, self.seconds = world, seconds

    def get_remaining_time_in_millis(self):
        return int(self.seconds * 1000)


def test_a_scheduled_run_stops_before_the_timeout_and_says_so(world, capsys):
    for i in range(5):
        world.join(world.user(f"u{i}"), "researchers")
    ticks = iter(range(0, 10**6, 10))
    world.m.clock = lambda: next(ticks)
    world.m.onboard({"reconcile": "all"}, Context(world, 20 + 25))
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    stop = [r for r in lines if r["decision"] == "stopped-before-timeout"]
    assert stop and stop[0]["left"] > 0 and stop[0]["note"]
    assert 0 < len(world.sm.profiles) < 5
    world.m.clock = __import__("time").monotonic
    world.m.onboard({"reconcile": "all"})
    assert len(world.sm.profiles) == 5


def test_a_deleted_user_is_offboarded_after_the_grace_period(world):
    uid = world.user("gina")
    world.join(uid, "researchers")
    world.sm.apps.append({"AppName": "default", "AppType": "JupyterServer", "UserProfileName": "gina",
                          "Status": "InService"})
    world.sm.spaces.append({"SpaceName": "gina-space", "OwnershipSettingsSummary": {"OwnerUserProfileName": "gina"}})
    world.schedule()
    world.delete_user(uid)
    world.both(world.cloudtrail("identitystore.amazonaws.com", "DeleteUser",
                                {"identityStoreId": world.store, "userId": uid}))
    # Apps at once; spaces and profile kept, tagged with the date.
    assert world.sm.apps[0]["Status"] == "Deleted"
    assert world.sm.state()["gina"][2] == "2026-03-08"
    assert world.sm.spaces
    world.today = datetime.date(2026, 3, 7)
    world.schedule()
    assert "gina" in world.sm.profiles
    world.today = datetime.date(2026, 3, 8)
    before = len(world.cw.values("ProfilesFixed"))
    world.schedule()
    # The deletion the grace period made due is the schedule's job, not drift.
    assert world.cw.values("ProfilesFixed")[before:] == [0, 0]
    assert world.sm.profiles == {} and world.sm.spaces == []


def test_a_disabled_user_is_offboarded(world):
    uid = world.user("hank")
    world.join(uid, "researchers")
    world.schedule()
    world.ids.disabled.add(uid)
    world.both(world.cloudtrail("sso-directory.amazonaws.com", "DisableUser", {"userId": uid}))
    assert world.sm.state()["hank"][2] == "2026-03-08"


def test_with_no_grace_offboarding_deletes_at_once(world, monkeypatch):
    monkeypatch.setenv("OFFBOARDING_GRACE_DAYS", "0")
    uid = world.user("ivan")
    world.join(uid, "researchers")
    world.schedule()
    world.leave(uid, "researchers")
    world.schedule()
    assert world.sm.profiles == {}


def test_a_user_back_within_the_grace_gets_the_same_profile_back(world):
    uid = world.user("jane")
    world.join(uid, "researchers")
    world.schedule()
    arn = world.sm.profiles["jane"]["UserProfileArn"]
    world.leave(uid, "researchers")
    world.schedule()
    assert world.sm.state()["jane"][2] == "2026-03-08"
    world.today = datetime.date(2026, 3, 5)
    world.join(uid, "auditors")
    world.both(world.membership_event(uid, "auditors"))
    assert world.sm.state()["jane"] == (uid, AUDITOR_ROLE, None, None)
    assert world.sm.profiles["jane"]["UserProfileArn"] == arn
    world.today = datetime.date(2026, 4, 1)
    world.schedule()
    assert "jane" in world.sm.profiles


def test_a_reused_user_name_quarantines_the_old_profile(world, capsys):
    old = world.user("kim")
    world.join(old, "researchers")
    world.schedule()
    world.delete_user(old)
    new = world.user("kim")
    world.join(new, "auditors")
    world.sm.apps.append({"AppName": "default", "AppType": "JupyterServer", "UserProfileName": "kim",
                          "Status": "InService"})
    world.both(world.membership_event(new, "auditors"))
    state = world.sm.state()["kim"]
    assert state[0] == old and state[1] == RESEARCHER_ROLE and state[3] == new
    assert world.sm.apps[0]["Status"] == "Deleted"
    assert world.cw.last("ProfilesQuarantined") == 1
    world.today = datetime.date(2027, 1, 1)
    world.schedule()  # never offboarded, updated or handed over
    assert world.sm.state()["kim"][:2] == (old, RESEARCHER_ROLE)
    assert [c for c in world.sm.calls if c[0] in ("update", "delete")] == []
    assert world.cw.last("ProfilesQuarantined") == 1
    # The operator deletes it: the new user gets a profile of their own.
    del world.sm.profiles["kim"]
    world.schedule()
    assert world.sm.state()["kim"] == (new, AUDITOR_ROLE, None, None)


def test_profiles_without_the_ownership_tag_are_left_alone(world):
    uid = world.user("lena")
    world.sm.create_user_profile(DomainId=DOMAIN, UserProfileName="lena", SingleSignOnUserIdentifier="UserName",
                                 SingleSignOnUserValue="lena", UserSettings={"ExecutionRole": "arn:x"}, Tags=[])
    world.join(uid, "researchers")
    world.schedule()
    assert world.sm.state()["lena"] == (None, "arn:x", None, None)


def test_a_group_event_reconciles_its_members_and_the_profiles_it_mapped(world):
    """A SCIM PatchGroup hides its members: every member, and every profile with the
    group's role, is reconciled."""
    stay, gone = world.user("mia"), world.user("ned")
    world.join(stay, "researchers")
    world.join(gone, "researchers")
    world.schedule()
    world.leave(gone, "researchers")
    world.join(stay, "other")
    ev = world.cloudtrail("identitystore-scim.amazonaws.com", "PatchGroup",
                          {"groupId": world.groups["researchers"], "httpBody": {"Operations": [
                              {"op": "remove", "path": "members", "value": "HIDDEN_DUE_TO_SECURITY_REASONS"}]}})
    result = world.m.offboard(ev)
    assert result["decision"] == "reconciled-groups"
    assert world.sm.state()["ned"][2] == "2026-03-08"
    assert world.sm.state()["mia"][2] is None


def test_role_switch_deletes_running_apps(world):
    uid = world.user("olga")
    world.join(uid, "auditors")
    world.schedule()
    world.join(uid, "researchers")
    world.sm.apps.append({"AppName": "a1", "AppType": "JupyterServer", "UserProfileName": "olga",
                          "Status": "InService"})
    world.both(world.membership_event(uid, "researchers"))
    assert world.sm.state()["olga"][1] == RESEARCHER_ROLE
    assert world.sm.apps[0]["Status"] == "Deleted"


def test_concurrent_create_converges_without_a_second_profile(world):
    """Another run created the profile between this run's read and its create:
    CreateUserProfile says ResourceInUse and the run converges the existing profile."""
    uid = world.user("pia")
    world.join(uid, "researchers")
    real = world.sm.create_user_profile

    def racing(**kw):
        if "pia" not in world.sm.profiles:
            real(**kw)  # the other run wins
        return real(**kw)
    world.sm.create_user_profile = racing
    result = world.m.onboard(world.membership_event(uid, "researchers"))
    assert [r["decision"] for r in result["results"]] == ["unchanged"]
    assert world.sm.state() == {"pia": (uid, RESEARCHER_ROLE, None, None)}


def test_a_delete_that_finds_nothing_is_success(world, monkeypatch):
    monkeypatch.setenv("OFFBOARDING_GRACE_DAYS", "0")
    uid = world.user("quin")
    world.join(uid, "researchers")
    world.schedule()
    world.leave(uid, "researchers")
    real = world.sm.delete_user_profile

    def racing(**kw):
        real(**kw)  # another run deleted it first
        raise error("ResourceNotFound", "DeleteUserProfile")
    world.sm.delete_user_profile = racing
    world.m.offboard({"reconcile": "all"})
    assert world.sm.profiles == {}


def test_drift_counts_what_a_scheduled_run_had_to_fix_after_a_missed_event(world):
    uid = world.user("hank")
    world.schedule()
    assert world.cw.values("ProfilesFixed") == [0, 0]
    world.join(uid, "auditors")  # the membership event never arrives
    world.schedule()
    assert world.cw.values("ProfilesFixed")[2:] == [1, 0]  # onboarding created the profile
    assert world.sm.state() == {"hank": (uid, AUDITOR_ROLE, None, None)}
    world.m.onboard({"reconcile": "all"})  # an operator's run is not a scheduled one
    assert len(world.cw.values("ProfilesFixed")) == 4


def test_metrics_carry_the_namespace_and_the_stack_dimension(world):
    world.schedule()
    namespace, data = world.cw.data[-1]
    assert namespace == "sagesynth/Onboarding"
    assert {d["MetricName"] for d in data} == {"ProfilesFixed", "ProfilesQuarantined"}
    assert all(d["Dimensions"] == [{"Name": "StackName", "Value": "studio-sso-onboarding"}] for d in data)


def test_onboarding_never_deletes_and_offboarding_never_creates(world):
    a, b = world.user("ray"), world.user("sue")
    world.join(a, "researchers")
    world.m.offboard({"reconcile": "all"})
    assert world.sm.profiles == {}
    world.m.onboard({"reconcile": "all"})
    world.sm.create_user_profile(DomainId=DOMAIN, UserProfileName="sue", SingleSignOnUserIdentifier="UserName",
                                 SingleSignOnUserValue="sue", UserSettings={"ExecutionRole": AUDITOR_ROLE},
                                 Tags=[{"Key": TAG, "Value": b}])
    world.m.onboard({"reconcile": "all"})
    assert world.sm.state()["sue"] == (b, AUDITOR_ROLE, None, None)


NAMES = ["ann", "ben", "cat"]
GROUPS = ["researchers", "auditors", "other"]
STEP = st.one_of(
    st.tuples(st.just("join"), st.sampled_from(NAMES), st.sampled_from(GROUPS)),
    st.tuples(st.just("leave"), st.sampled_from(NAMES), st.sampled_from(GROUPS)),
    st.tuples(st.just("event-on"), st.sampled_from(NAMES), st.sampled_from(GROUPS)),
    st.tuples(st.just("event-off"), st.sampled_from(NAMES), st.sampled_from(GROUPS)),
    st.tuples(st.just("schedule-on"), st.just(""), st.just("")),
    st.tuples(st.just("schedule-off"), st.just(""), st.just("")),
    st.tuples(st.just("days"), st.just(""), st.sampled_from(["1", "5", "9"])),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEP, max_size=14))
def test_any_interleaving_of_events_and_scheduled_runs_converges(moto_endpoint, monkeypatch, steps):
    """Whatever runs happened in whatever order (events delivered to one function only,
    late or never; schedules in between; days passing), one scheduled run of both
    functions after the last change leaves exactly: a profile with the right role for
    every user in a mapped group, and for everyone else no profile or one waiting for its
    grace to end (no apps)."""
    world = World(moto_endpoint, monkeypatch)
    uids = {n: world.user(n) for n in NAMES}
    for op, name, arg in steps:
        uid = uids.get(name)
        if op == "join" and (uid, arg) not in world.memberships:
            world.join(uid, arg)
        elif op == "leave" and (uid, arg) in world.memberships:
            world.leave(uid, arg)
        elif op.startswith("event"):
            ev = world.membership_event(uid, arg)
            (world.m.onboard if op == "event-on" else world.m.offboard)(ev)
        elif op.startswith("schedule"):
            (world.m.onboard if op == "schedule-on" else world.m.offboard)({"reconcile": "all"})
        elif op == "days":
            world.today += datetime.timedelta(days=int(arg))
    world.schedule()
    expected = {}
    for n, uid in uids.items():
        mine = {g for (u, g) in world.memberships if u == uid}
        role = RESEARCHER_ROLE if "researchers" in mine else AUDITOR_ROLE if "auditors" in mine else None
        if role:
            expected[n] = (uid, role, None, None)
    state = world.sm.state()
    assert {n: s for n, s in state.items() if s[2] is None} == expected
    for n, s in state.items():
        if s[2] is not None:
            assert n not in expected and s[2] > world.today.isoformat()
    world.schedule()
    assert world.sm.state() == state  # converged: another run changes nothing
