"""Studio user profiles that follow IAM Identity Center group membership (sagesynth).

A user's profile gets the role of the FIRST mapped group they are in (GROUP_ROLES order,
or lowest table `precedence`, ties by group id); with none left, their apps and spaces are
deleted (bounded wait), then the profile. Only profiles tagged TAG=<user id> (made here)
are changed. DeleteGroupMembership names no user: then every tagged profile is checked.
Each decision is one JSON log line; any other failure raises (the event goes to the DLQ).
Groups are matched by Identity Store group id only, never by display name: whoever may
create or rename groups could give a group of theirs a mapped group's name.

Across accounts (MAPPING set: a multi-account stack appends it to this file, as Lambda
caps environment variables at 4 KB): each group maps to a Studio account; the functions
assume that account's provisioning role (per region), read the domain id and the group's
role ARN from its SSM parameters, and do the same there. A user's role in an account
comes from their first mapped group of that account.
"""
import hashlib
import json
import os
import re
import time
import unicodedata

import boto3
from botocore.exceptions import ClientError

TAG = "sagesynth:identitystore-user-id"
VALID = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
C = {}  # this invocation's configuration and group cache
_clients = {}
clock, sleep = time.monotonic, time.sleep  # tests replace these
MAPPING = None  # across accounts: {"groups": [...], "targets": [...]}, appended by the stack
MEMBER_SERVICES = ("sagemaker", "ssm")
SESSION_NAME = re.compile(r"[^\w+=,.@-]")


def aws(name):
    """This account's client, or inside a Studio account the assumed role's."""
    if C.get("member") is not None and name in MEMBER_SERVICES:
        return C["member"][name]
    if name not in _clients:
        _clients[name] = boto3.client(name)
    return _clients[name]


def member_clients(credentials, region):  # tests replace this
    kw = {"region_name": region, "aws_access_key_id": credentials["AccessKeyId"],
          "aws_secret_access_key": credentials["SecretAccessKey"], "aws_session_token": credentials["SessionToken"]}
    return {name: boto3.client(name, **kw) for name in MEMBER_SERVICES}


def in_account(target, session, work):
    """work() in a Studio account: assume its provisioning role (the session name says
    which event and user: CloudTrail in the account shows it), read its domain id."""
    arn = target["role_arn"]
    name = SESSION_NAME.sub("-", session)[:64]
    try:
        creds = aws("sts").assume_role(RoleArn=arn, RoleSessionName=name)["Credentials"]
    except ClientError as e:
        err = e.response.get("Error", {})
        raise RuntimeError(f"cannot assume {arn} (account {target['account_id']}, {target['region']}): "
                           f"{err.get('Code')}: {err.get('Message')}") from e
    C.update(member=member_clients(creds, target["region"]), account=target["account_id"], ranks={}, roles={})
    try:
        C["domain"] = aws("ssm").get_parameter(Name=C["domain_parameter"])["Parameter"]["Value"]
        out = work()
        out.update(account_id=target["account_id"], region=target["region"])
        return out
    finally:
        C.update(member=None, account=None, domain=None)


def sm(op, **kw):
    return getattr(aws("sagemaker"), op)(DomainId=C["domain"], **kw)


def ids(op, **kw):
    return getattr(aws("identitystore"), op)(IdentityStoreId=C["store"], **kw)


def log(decision, **fields):
    rec = {"decision": decision, **fields}
    print(json.dumps(rec, sort_keys=True, default=str))
    return rec


def unless_gone(call, default=None):
    """call(), or default when what it names does not exist (any more)."""
    try:
        return call()
    except ClientError as e:
        if e.response.get("Error", {}).get("Code") not in ("ResourceNotFound", "ResourceNotFoundException"):
            raise
        return default


def pages(client, op, key, **kw):
    items, token = [], None
    while True:
        r = getattr(aws(client), op)(**kw, **({"NextToken": token} if token else {}))
        items += r.get(key, [])
        token = r.get("NextToken")
        if not token:
            return items


def profile_name(user_name):
    """Valid lower-case names are kept; others are ASCII-folded, lower-cased, cut, and
    get '-' + 8 hex of sha256(user name), so two users never share a name."""
    if not isinstance(user_name, str) or not user_name:
        raise ValueError("empty user name")
    if VALID.match(user_name) and user_name == user_name.lower():
        return user_name
    folded = unicodedata.normalize("NFKD", user_name).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")[:54].strip("-") or "user"
    return stem + "-" + hashlib.sha256(user_name.encode()).hexdigest()[:8]


def env(name, default=None):
    value = os.environ.get(name, default)
    if not value:
        raise ValueError(f"environment variable {name} is required")
    return value


def configure():
    C.clear()
    C.update(store=env("IDENTITY_STORE_ID"), mode=env("MAPPING_MODE"), ranks={}, roles={}, member=None,
             timeout=float(env("APP_DELETE_TIMEOUT_SECONDS", "600")), poll=float(env("POLL_SECONDS", "10")))
    if MAPPING is not None:
        if not isinstance(MAPPING, dict):
            raise ValueError("MAPPING: expected {groups, targets}")
        targets, partition = MAPPING.get("targets"), env("PARTITION")
        if not isinstance(targets, list) or not all(
                isinstance(t, dict) and t.get("account_id") and t.get("region") and t.get("role_name")
                for t in targets):
            raise ValueError("MAPPING: expected targets as a list of {account_id, region, role_name}")
        C["targets"] = [dict(t, role_arn=f"arn:{partition}:iam::{t['account_id']}:role/{t['role_name']}")
                        for t in targets]
        C["domain_parameter"] = env("DOMAIN_ID_PARAMETER")
    else:
        C.update(targets=None, domain=env("DOMAIN_ID"))
    if C["mode"] == "inline":
        C["groups"] = MAPPING.get("groups") if MAPPING is not None else json.loads(env("GROUP_ROLES"))
        role = ("account_id", "role_parameter") if C["targets"] is not None else ("role_arn",)
        if not isinstance(C["groups"], list) or not all(
                isinstance(g, dict) and g.get("group") and g.get("group_id") and all(g.get(k) for k in role)
                for g in C["groups"]):
            raise ValueError(f"{'MAPPING' if MAPPING is not None else 'GROUP_ROLES'}: expected groups as a list of "
                             f"{{group, group_id, {', '.join(role)}}}")
    elif C["mode"] == "dynamodb":
        C["table"] = env("MAPPING_TABLE")
    else:
        raise ValueError("MAPPING_MODE: expected inline or dynamodb")


def get(d, key):  # CloudTrail keys are lowerCamelCase; tolerate other cases
    return next((v for k, v in d.items() if k.lower() == key.lower()), None) if isinstance(d, dict) else None


def parse(event):
    """Fields of a CloudTrail record: Identity Store API (memberId.userId) or
    sso-directory (member.memberId); DeleteGroupMembership carries only membershipId."""
    configure()
    detail = get(event, "detail")
    req = get(detail, "requestParameters")
    if not isinstance(req, dict):
        raise ValueError("not a CloudTrail event: no detail.requestParameters")
    member = get(req, "memberId") or get(req, "member")
    if isinstance(member, dict):
        member = get(member, "userId") or get(member, "memberId")
    ev = {"event": get(detail, "eventName"), "group": get(req, "groupId"),
          "user": member if isinstance(member, str) else None, "membership": get(req, "membershipId"),
          "store": get(req, "identityStoreId") or get(get(detail, "responseElements"), "identityStoreId")}
    if get(detail, "errorCode"):
        return ev, log("ignored-failed-call", error=get(detail, "errorCode"), **ev)
    if ev["store"] and ev["store"] != C["store"]:
        return ev, log("ignored-other-identity-store", **ev)
    return ev, None


def entry_of(gid):
    """A group's mapping entry, by its group id (None for an unmapped group)."""
    return next((g for g in C["groups"] if g["group_id"] == gid), None)


def role_arn(g):
    """A mapping entry's role: its ARN, or across accounts the ARN the account publishes."""
    if "role_parameter" not in g:
        return g["role_arn"]
    if g["role_parameter"] not in C["roles"]:
        C["roles"][g["role_parameter"]] = aws("ssm").get_parameter(Name=g["role_parameter"])["Parameter"]["Value"]
    return C["roles"][g["role_parameter"]]


def targets_of(gid):
    """The Studio account (in each region) a group maps to, or [] for an unmapped group."""
    g = entry_of(gid)
    return [t for t in C["targets"] if g and t["account_id"] == g["account_id"]]


def rank(gid):
    """(sort key, mapping entry) of a group, or None if it has no role (across accounts:
    none in this account)."""
    if gid not in C["ranks"]:
        r = None
        if C["mode"] == "inline":
            g = entry_of(gid)
            if g and (C["targets"] is None or g["account_id"] == C["account"]):
                r = ((C["groups"].index(g), ""), g)
        else:
            item = aws("dynamodb").get_item(TableName=C["table"], Key={"group_id": {"S": gid}}).get("Item")
            if item:
                r = ((float(item["precedence"]["N"]), gid), {"role_arn": item["role_arn"]["S"]})
        C["ranks"][gid] = r
    return C["ranks"][gid]


def role_of(uid, plus=(), minus=()):
    """The role of the user's first mapped group (memberships, plus/minus the event's group,
    which the listing may not show yet / any more)."""
    gids = unless_gone(lambda: {m["GroupId"] for m in pages(
        "identitystore", "list_group_memberships_for_member", "GroupMemberships",
        IdentityStoreId=C["store"], MemberId={"UserId": uid})}, set())
    ranks = [r for r in map(rank, sorted((gids | set(plus)) - set(minus))) if r]
    return role_arn(min(ranks, key=lambda r: r[0])[1]) if ranks else None


def profile(name):
    return unless_gone(lambda: sm("describe_user_profile", UserProfileName=name))


def owner(prof):
    tags = pages("sagemaker", "list_tags", "Tags", ResourceArn=prof["UserProfileArn"])
    return next((t["Value"] for t in tags if t["Key"] == TAG), None)


def spaces_of(name):
    return [s for s in pages("sagemaker", "list_spaces", "Spaces", DomainIdEquals=C["domain"])
            if s.get("OwnershipSettingsSummary", {}).get("OwnerUserProfileName") == name]


def apps_of(name):
    apps = pages("sagemaker", "list_apps", "Apps", DomainIdEquals=C["domain"], UserProfileNameEquals=name)
    for s in spaces_of(name):
        apps += pages("sagemaker", "list_apps", "Apps", DomainIdEquals=C["domain"], SpaceNameEquals=s["SpaceName"])
    return apps


def delete_apps(name):
    for a in apps_of(name):
        if a.get("Status") not in ("Deleted", "Deleting"):
            unless_gone(lambda: sm("delete_app", AppType=a["AppType"], AppName=a["AppName"],
                                   **{k: a[k] for k in ("UserProfileName", "SpaceName") if a.get(k)}))


def wait(what, pending, deadline):
    while True:
        left = pending()
        if not left:
            return
        if clock() >= deadline:
            raise TimeoutError(f"{what} still there after {C['timeout']:g}s: {left}")
        sleep(max(0.0, min(C["poll"], deadline - clock())))


def apply(name, uid, tag, prof, role, deadline=None):
    """Give a profile `role`; None deletes it. A deadline means offboarding."""
    out = {"profile": name, "user_id": uid, "role": role or None}
    if tag != uid:
        return log("kept-unmanaged-profile", **out)
    if role and role == prof.get("UserSettings", {}).get("ExecutionRole"):
        return log("unchanged", **out)
    if role:
        sm("update_user_profile", UserProfileName=name, UserSettings={"ExecutionRole": role})
        if deadline is not None:
            delete_apps(name)  # no running app keeps the role the user lost
        return log("switched-role", **out)
    delete_apps(name)
    wait("apps", lambda: [a["AppName"] for a in apps_of(name) if a.get("Status") != "Deleted"], deadline)
    for s in spaces_of(name):
        if s.get("Status") != "Deleting":
            unless_gone(lambda: sm("delete_space", SpaceName=s["SpaceName"]))
    wait("spaces", lambda: [s["SpaceName"] for s in spaces_of(name)], deadline)
    unless_gone(lambda: sm("delete_user_profile", UserProfileName=name))
    return log("deleted", **out)


def onboard(event, context=None):
    ev, done = parse(event)
    if done:
        return done
    uid, gid = ev["user"], ev["group"]
    if not gid or not uid:
        raise ValueError("event names no group id or member id")
    if C["targets"] is not None:
        targets = targets_of(gid)
        if not targets:
            return log("ignored-unmapped-group", group_id=gid, user_id=uid)
        uname = ids("describe_user", UserId=uid)["UserName"]
        return {"decision": "onboarded-in-accounts", "results": [
            in_account(t, f"onboard-{uid}", lambda: onboard_here(uid, gid, uname))
            for t in targets]}
    if not rank(gid):
        return log("ignored-unmapped-group", group_id=gid, user_id=uid)
    return onboard_here(uid, gid, ids("describe_user", UserId=uid)["UserName"])


def onboard_here(uid, gid, uname):
    name, role = profile_name(uname), role_of(uid, plus=[gid])
    try:
        sm("create_user_profile", UserProfileName=name, SingleSignOnUserIdentifier="UserName",
           SingleSignOnUserValue=uname, UserSettings={"ExecutionRole": role}, Tags=[{"Key": TAG, "Value": uid}])
    except ClientError as e:
        prof = e.response.get("Error", {}).get("Code") == "ResourceInUse" and profile(name)
        if not prof:
            raise
        if prof.get("SingleSignOnUserValue") != uname or prof.get("Status") == "Deleting":
            raise RuntimeError(f"profile {name} belongs to another user or is being deleted") from e
        return apply(name, uid, owner(prof), prof, role)
    return log("created", profile=name, user_id=uid, group_id=gid, role=role)


def offboard(event, context=None):
    ev, done = parse(event)
    if done:
        return done
    uid, gid, deadline = ev["user"], ev["group"], clock() + C["timeout"]
    if C["targets"] is not None:
        # A membership-only event names no group, and a deleted group no longer says
        # whom it mapped: then every account is checked.
        targets = unless_gone(lambda: targets_of(gid), C["targets"]) if gid else C["targets"]
        if not targets:
            return log("ignored-unmapped-group", group_id=gid, user_id=uid)
        session = f"offboard-{uid or ev['membership']}"
        return {"decision": "offboarded-in-accounts", "results": [
            in_account(t, session, lambda: offboard_here(ev, uid, gid, deadline)) for t in targets]}
    if gid and not unless_gone(lambda: rank(gid), "gone"):
        return log("ignored-unmapped-group", group_id=gid, user_id=uid)
    return offboard_here(ev, uid, gid, deadline)


def offboard_here(ev, uid, gid, deadline):
    uname = uid and unless_gone(lambda: ids("describe_user", UserId=uid)["UserName"])
    if uname:
        name = profile_name(uname)
        prof = profile(name)
        if not prof:
            return log("no-profile", profile=name, user_id=uid)
        tag = owner(prof)
        return apply(name, uid, tag, prof, tag == uid and role_of(uid, minus=[gid]), deadline)
    if not (uid or ev["membership"]):
        raise ValueError("event names neither a member nor a membership")
    log("check-every-profile", user_id=uid, membership_id=ev["membership"])
    results = []
    for p in pages("sagemaker", "list_user_profiles", "UserProfiles", DomainIdEquals=C["domain"]):
        prof = profile(p["UserProfileName"])
        tag = prof and prof.get("Status") != "Deleting" and owner(prof)
        if tag:
            results.append(apply(p["UserProfileName"], tag, tag, prof, role_of(tag), deadline))
        elif prof:
            log("kept-unmanaged-profile", profile=p["UserProfileName"])
    return {"decision": "checked-every-profile", "results": results}
