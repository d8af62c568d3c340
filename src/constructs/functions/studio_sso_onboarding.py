"""Studio user profiles reconciled from IAM Identity Center state (sagesynth).

Events are hints, state is the truth. An event only says WHO may have changed: a user
(membership, user created, updated, disabled or deleted), or a group whose members it
hides (SCIM PatchGroup logs its body redacted; DeleteGroup). Every affected user is then
reconciled from the Identity Store as it is now: a profile exists exactly when the user is
enabled and in a mapped group, with the role of the first such group (GROUP_ROLES order, or
lowest table `precedence`, ties by group id). For a group, every member AND every profile
whose role is that group's role is reconciled; an event naming nobody, a scheduled event or
{"reconcile": "all"} reconciles everyone (paginated ListUsers, ListGroupMemberships,
ListUserProfiles), stopping before the Lambda timeout and logging what is left for the next
run. Only profiles tagged TAG=<user id> (made here) are ever changed.

Two functions share this file, each holding only its calls. `onboard` creates missing
profiles and takes back a returning user's profile (removes OFFBOARD_AFTER); `offboard`
switches roles (deleting running apps, which keep the role they started with), offboards
and quarantines. Both receive every event and every scheduled run.

Offboarding (GRACE_DAYS, 0 = at once): apps are deleted at once and the profile is tagged
OFFBOARD_AFTER=<ISO date>; a run on or after that date deletes apps, the user's private
spaces and the profile. A user who comes back before that gets the same profile back.

Reused names: SageMaker binds an SSO profile by user name. A profile whose TAG names another
user id than the current holder of its user name is quarantined: tagged QUARANTINED=<the new
holder's id>, its apps deleted, never updated, deleted or handed over; the new holder gets
no profile until an operator deletes (or re-tags) it. Quarantined profiles are counted in
the PROFILES_QUARANTINED metric every run. PROFILES_FIXED is drift: what a SCHEDULED run
had to change because no event (or a failed one) did it; it is published by scheduled runs
only and leaves out the deletions a grace period made due, so any value above 0 means an
event was missed. Event runs and {"reconcile": "all"} change profiles as their job.

Concurrency (event runs and scheduled runs overlap; no lock is needed): every change is
conditional on current state and idempotent. CreateUserProfile fails with ResourceInUse
when the profile exists, so two runs never create twice: the loser re-reads the profile and
converges like any other run. A delete of what is already gone (app, space, profile) is
success, so two runs never fail on, or repeat, a delete. Updates and tags write a value
computed from the Identity Store, never a read-modify-write of the profile. A run that read
state before a later change can still apply its stale decision after a fresher run; every
change is followed by a re-read of that user, and the next scheduled run (at most
RECONCILE_EVERY away) converges whatever is left; such a stale profile grants nothing, as
Studio admits only users of the groups assigned to the domain.

Across accounts (MAPPING set: a multi-account stack appends it to this file, as Lambda
caps environment variables at 4 KB): each group maps to a Studio account; the functions
assume that account's provisioning role (per region), read the domain id and the group's
role ARN from its SSM parameters, and reconcile there. A user's role in an account comes
from their first mapped group of that account.
"""
import datetime
import hashlib
import json
import os
import re
import time
import unicodedata

import boto3
from botocore.exceptions import ClientError

TAG = "sagesynth:identitystore-user-id"
OFFBOARD_AFTER = "sagesynth:offboard-after"
QUARANTINED = "sagesynth:quarantined"
VALID = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
C = {}  # this invocation's configuration and caches
_clients = {}
clock, sleep = time.monotonic, time.sleep  # tests replace these
today = lambda: datetime.datetime.now(datetime.timezone.utc).date()  # noqa: E731 (tests replace it)
MAPPING = None  # across accounts: {"groups": [...], "targets": [...]}, appended by the stack
MEMBER_SERVICES = ("sagemaker", "ssm")
SESSION_NAME = re.compile(r"[^\w+=,.@-]")
ID = re.compile(r"^[0-9a-fA-F][0-9a-fA-F-]{7,63}$")  # Identity Store ids, not redacted values
MARGIN_SECONDS = 20  # a full run stops this long (plus any app wait) before the timeout


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
    which run: CloudTrail in the account shows it), read its domain id."""
    arn = target["role_arn"]
    name = SESSION_NAME.sub("-", session)[:64]
    try:
        creds = aws("sts").assume_role(RoleArn=arn, RoleSessionName=name)["Credentials"]
    except ClientError as e:
        err = e.response.get("Error", {})
        raise RuntimeError(f"cannot assume {arn} (account {target['account_id']}, {target['region']}): "
                           f"{err.get('Code')}: {err.get('Message')}") from e
    C.update(member=member_clients(creds, target["region"]), account=target["account_id"], ranks={}, roles={},
             index=None)
    try:
        C["domain"] = aws("ssm").get_parameter(Name=C["domain_parameter"])["Parameter"]["Value"]
        out = work()
        out.update(account_id=target["account_id"], region=target["region"])
        return out
    finally:
        C.update(member=None, account=None, domain=None, index=None)


def sm(op, **kw):
    return getattr(aws("sagemaker"), op)(DomainId=C["domain"], **kw)


def ids(op, **kw):
    return getattr(aws("identitystore"), op)(IdentityStoreId=C["store"], **kw)


def log(decision, **fields):
    rec = {"decision": decision, **fields}
    print(json.dumps(rec, sort_keys=True, default=str))
    return rec


def code_of(e):
    return e.response.get("Error", {}).get("Code")


def unless_gone(call, default=None):
    """call(), or default when what it names does not exist (any more)."""
    try:
        return call()
    except ClientError as e:
        if code_of(e) not in ("ResourceNotFound", "ResourceNotFoundException"):
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


def configure(duty):
    C.clear()
    C.update(duty=duty, store=env("IDENTITY_STORE_ID"), mode=env("MAPPING_MODE"), ranks={}, roles={}, member=None,
             index=None, timeout=float(env("APP_DELETE_TIMEOUT_SECONDS", "600")),
             poll=float(env("POLL_SECONDS", "10")), grace=int(env("OFFBOARDING_GRACE_DAYS", "7") or 0),
             fixed=0, drift=0, quarantined=set(), scheduled=False)
    if C["grace"] < 0:
        raise ValueError("OFFBOARDING_GRACE_DAYS: expected 0 or more")
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


def find_ids(value, keys):
    """Every string under one of `keys` anywhere in a CloudTrail record part."""
    found = []
    if isinstance(value, dict):
        for k, v in value.items():
            if k.lower() in keys and isinstance(v, str):
                found.append(v)
            else:
                found += find_ids(v, keys)
    elif isinstance(value, list):
        for v in value:
            found += find_ids(v, keys)
    return found


USER_KEYS = ("userid", "memberid")
GROUP_KEYS = ("groupid",)


def hint(event):
    """What to reconcile: ("all", None), ("users", [...]), ("groups", [...]) or
    ("ignored", log record)."""
    if not isinstance(event, dict):
        raise ValueError("expected an EventBridge event")
    if event.get("reconcile") == "all" or event.get("detail-type") == "Scheduled Event":
        return "all", None
    detail = get(event, "detail")
    req = get(detail, "requestParameters")
    if not isinstance(detail, dict) or get(detail, "eventName") is None:
        raise ValueError("not a CloudTrail event: no detail.eventName")
    name, source = get(detail, "eventName"), get(detail, "eventSource")
    store = get(req, "identityStoreId") or get(get(detail, "responseElements"), "identityStoreId")
    if get(detail, "errorCode"):
        return "ignored", log("ignored-failed-call", event=name, error=get(detail, "errorCode"))
    if store and store != C["store"]:
        return "ignored", log("ignored-other-identity-store", event=name, store=store)
    parts = [req, get(detail, "responseElements")]
    users = sorted({u for u in find_ids(parts, USER_KEYS) if ID.match(u)})
    groups = sorted({g for g in find_ids(parts, GROUP_KEYS) if ID.match(g)})
    if users:
        return "users", users
    if groups:
        return "groups", groups
    # The user or group is hidden (a redacted SCIM body) or named only by a membership id
    # (DeleteGroupMembership): reconcile everyone.
    log("event-names-nobody", event=name, source=source)
    return "all", None


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


def mapped_groups():
    """Every group with a role here (the table is scanned in DynamoDB mode)."""
    if C["mode"] == "inline":
        return [g["group_id"] for g in C["groups"] if rank(g["group_id"])]
    return sorted(i["group_id"]["S"] for i in pages("dynamodb", "scan", "Items", TableName=C["table"],
                                                     ProjectionExpression="group_id"))


def desired(uid):
    """(user name, role) from the Identity Store now: role None when the user is gone,
    disabled or in no mapped group; user name None when the user is gone."""
    user = unless_gone(lambda: ids("describe_user", UserId=uid))
    if not user:
        return None, None
    if user.get("UserStatus") == "DISABLED":
        return user["UserName"], None
    gids = {m["GroupId"] for m in pages("identitystore", "list_group_memberships_for_member", "GroupMemberships",
                                        IdentityStoreId=C["store"], MemberId={"UserId": uid})}
    ranks = [r for r in map(rank, sorted(gids)) if r]
    return user["UserName"], role_arn(min(ranks, key=lambda r: r[0])[1]) if ranks else None


def tags_of(prof):
    return {t["Key"]: t["Value"] for t in pages("sagemaker", "list_tags", "Tags", ResourceArn=prof["UserProfileArn"])}


def look(name):
    """A profile and its tags, or None."""
    prof = unless_gone(lambda: sm("describe_user_profile", UserProfileName=name))
    return prof and dict(prof, tags=tags_of(prof))


def index():
    """Every profile of the domain with its tags, read once per run (for deleted users,
    renamed users and group hints)."""
    if C["index"] is None:
        C["index"] = {}
        for p in pages("sagemaker", "list_user_profiles", "UserProfiles", DomainIdEquals=C["domain"]):
            prof = look(p["UserProfileName"])
            if prof:
                C["index"][p["UserProfileName"]] = prof
    return C["index"]


def spaces_of(name):
    return [s for s in pages("sagemaker", "list_spaces", "Spaces", DomainIdEquals=C["domain"])
            if s.get("OwnershipSettingsSummary", {}).get("OwnerUserProfileName") == name]


def apps_of(name):
    apps = pages("sagemaker", "list_apps", "Apps", DomainIdEquals=C["domain"], UserProfileNameEquals=name)
    for s in spaces_of(name):
        apps += pages("sagemaker", "list_apps", "Apps", DomainIdEquals=C["domain"], SpaceNameEquals=s["SpaceName"])
    return apps


def delete_apps(name):
    """Deletes the profile's running apps; True when there was one."""
    running = [a for a in apps_of(name) if a.get("Status") not in ("Deleted", "Deleting", "Failed")]
    for a in running:
        unless_gone(lambda: sm("delete_app", AppType=a["AppType"], AppName=a["AppName"],
                               **{k: a[k] for k in ("UserProfileName", "SpaceName") if a.get(k)}))
    return bool(running)


def wait(what, pending, deadline):
    while True:
        left = pending()
        if not left:
            return
        if clock() >= deadline:
            raise TimeoutError(f"{what} still there after {C['timeout']:g}s: {left}")
        sleep(max(0.0, min(C["poll"], deadline - clock())))


def fixed(decision, due=False, **out):
    """A change made; unless it was `due` (a grace period ending), it counts as drift."""
    C["fixed"] += 1
    C["drift"] += 0 if due else 1
    return log(decision, **out)


def remove(name, out, due=False):
    """Apps, the user's private spaces, then the profile; what is already gone is done."""
    deadline = clock() + C["timeout"]
    delete_apps(name)
    wait("apps", lambda: [a["AppName"] for a in apps_of(name) if a.get("Status") not in ("Deleted", "Failed")],
         deadline)
    for s in spaces_of(name):
        if s.get("Status") != "Deleting":
            unless_gone(lambda: sm("delete_space", SpaceName=s["SpaceName"]))
    wait("spaces", lambda: [s["SpaceName"] for s in spaces_of(name)], deadline)
    unless_gone(lambda: sm("delete_user_profile", UserProfileName=name))
    C["index"] and C["index"].pop(name, None)
    return fixed("deleted", due=due, **out)


def quarantine(prof, holder):
    """A profile of another (former) user that `holder` now has the name of."""
    name, tags = prof["UserProfileName"], prof["tags"]
    C["quarantined"].add(name)
    out = {"profile": name, "owner": tags.get(TAG), "name_holder": holder}
    if C["duty"] != "offboarding" or tags.get(QUARANTINED) == holder:
        return log("quarantined", **out)
    aws("sagemaker").add_tags(ResourceArn=prof["UserProfileArn"], Tags=[{"Key": QUARANTINED, "Value": holder}])
    delete_apps(name)
    return fixed("quarantined-now", **out)


def converge(prof, uid, role):
    """Bring one profile this function owns (TAG == uid) to `role` (None: offboard)."""
    name, tags = prof["UserProfileName"], prof["tags"]
    out = {"profile": name, "user_id": uid, "role": role}
    if QUARANTINED in tags:
        C["quarantined"].add(name)
        return log("quarantined", **out)
    if prof.get("Status") == "Deleting":
        return log("being-deleted", **out)
    pending, duty = tags.get(OFFBOARD_AFTER), C["duty"]
    if role:
        if pending and duty == "onboarding":
            aws("sagemaker").delete_tags(ResourceArn=prof["UserProfileArn"], TagKeys=[OFFBOARD_AFTER])
            return fixed("restored", **out, offboard_after=pending)
        if role != prof.get("UserSettings", {}).get("ExecutionRole") and duty == "offboarding":
            sm("update_user_profile", UserProfileName=name, UserSettings={"ExecutionRole": role})
            delete_apps(name)  # no running app keeps the role the user lost
            return fixed("switched-role", **out)
        return log("unchanged", **out)
    if duty != "offboarding":
        return log("left-to-offboarding", **out)
    due = (today() + datetime.timedelta(days=C["grace"])).isoformat()
    if C["grace"] == 0 or (pending and pending <= today().isoformat()):
        return remove(name, out, due=bool(pending))
    if not pending:
        delete_apps(name)
        aws("sagemaker").add_tags(ResourceArn=prof["UserProfileArn"], Tags=[{"Key": OFFBOARD_AFTER, "Value": due}])
        return fixed("offboarding-scheduled", **out, offboard_after=due)
    if delete_apps(name):
        return fixed("stopped-apps-of-leaving-user", **out, offboard_after=pending)
    return log("offboarding-pending", **out, offboard_after=pending)


def create(name, uid, uname, role):
    """Creates the profile; if it exists (another run, or another user's), converges it."""
    try:
        sm("create_user_profile", UserProfileName=name, SingleSignOnUserIdentifier="UserName",
           SingleSignOnUserValue=uname, UserSettings={"ExecutionRole": role}, Tags=[{"Key": TAG, "Value": uid}])
    except ClientError as e:
        if code_of(e) != "ResourceInUse":
            raise
        prof = look(name)
        if not prof:
            raise RuntimeError(f"profile {name} exists and is gone: retry") from e
        return reconcile_profile(prof, uid, uname, role)
    return fixed("created", profile=name, user_id=uid, role=role)


def reconcile_profile(prof, uid, uname, role):
    """The profile named after `uname`, which `uid` holds now."""
    owner = prof["tags"].get(TAG)
    if owner is None:
        return log("kept-unmanaged-profile", profile=prof["UserProfileName"], user_id=uid)
    if owner != uid or prof.get("SingleSignOnUserValue") not in (None, uname):
        return quarantine(prof, uid)
    return converge(prof, uid, role)


def reconcile_user(uid, full=False):
    """One user, from the Identity Store now; re-read once after a change of this run."""
    for attempt in range(2):
        before = C["fixed"]
        uname, role = desired(uid)
        results = []
        mine = None
        if uname:
            name = profile_name(uname)
            prof = C["index"].get(name) if full else look(name)
            if prof:
                results.append(reconcile_profile(prof, uid, uname, role))
                mine = name
            elif role and C["duty"] == "onboarding":
                results.append(create(name, uid, uname, role))
                mine = name
            else:
                results.append(log("no-profile", profile=name, user_id=uid, role=role))
        if not uname or full:
            # A deleted user's profile, or one under the user's former name.
            for name, prof in sorted(index().items()):
                if prof["tags"].get(TAG) == uid and name != mine:
                    results.append(converge(prof, uid, None))
        if C["fixed"] == before or full:
            return results
        C["index"] = None
    return results


def deadline_of(context):
    margin = MARGIN_SECONDS + (C["timeout"] if C["duty"] == "offboarding" else 0)
    if context is None or not hasattr(context, "get_remaining_time_in_millis"):
        return None
    return clock() + context.get_remaining_time_in_millis() / 1000.0 - margin


def order(uids):
    """Users in an order that differs per run, so that a run cut short by the timeout does
    not leave the same users behind every time."""
    salt = str(int(time.time()) // 60)
    return sorted(uids, key=lambda u: hashlib.sha256((salt + u).encode()).hexdigest())


def reconcile_here(kind, what, context):
    if kind == "users":
        return {"decision": "reconciled-users", "results": [r for u in what for r in reconcile_user(u)]}
    full = kind == "all"
    profiles = index()
    if full:
        uids = {u["UserId"] for u in pages("identitystore", "list_users", "Users", IdentityStoreId=C["store"])}
    else:
        roles = {role_arn(r[1]) for r in map(rank, what) if r}
        uids = set()
        for gid in what:
            uids |= {m["MemberId"]["UserId"] for m in unless_gone(lambda: pages(
                "identitystore", "list_group_memberships", "GroupMemberships", IdentityStoreId=C["store"],
                GroupId=gid), []) if "UserId" in m.get("MemberId", {})}
        uids |= {p["tags"][TAG] for p in profiles.values()
                 if TAG in p["tags"] and p.get("UserSettings", {}).get("ExecutionRole") in roles}
    uids |= {p["tags"][TAG] for p in profiles.values() if TAG in p["tags"] and full}
    results, todo, deadline = [], order(uids), deadline_of(context)
    for i, uid in enumerate(todo):
        if deadline is not None and clock() >= deadline:
            log("stopped-before-timeout", done=i, left=len(todo) - i, note="the next run reconciles the rest")
            break
        results += reconcile_user(uid, full=full)
    return {"decision": "reconciled-all" if full else "reconciled-groups", "results": results}


def publish():
    """A scheduled run's drift, and the quarantine count (offboarding alone counts
    quarantines, so that two functions seeing the same profile do not count it twice)."""
    dims = [{"Name": env("METRIC_DIMENSION"), "Value": env("METRIC_STACK_NAME")}]
    data = []
    if C["scheduled"]:
        data.append({"MetricName": env("METRIC_PROFILES_FIXED"), "Dimensions": dims, "Value": C["drift"],
                     "Unit": "Count"})
    if C["duty"] == "offboarding":
        data.append({"MetricName": env("METRIC_PROFILES_QUARANTINED"), "Dimensions": dims,
                     "Value": len(C["quarantined"]), "Unit": "Count"})
    if data:
        aws("cloudwatch").put_metric_data(Namespace=env("METRIC_NAMESPACE"), MetricData=data)


def run(event, context, duty):
    configure(duty)
    C["scheduled"] = isinstance(event, dict) and event.get("detail-type") == "Scheduled Event"
    kind, what = hint(event)
    if kind == "ignored":
        return what
    try:
        if C["targets"] is None:
            return reconcile_here(kind, what, context)
        session = f"{duty}-{kind}-{(what or ['all'])[0]}"
        return {"decision": "reconciled-in-accounts", "results": [
            in_account(t, session, lambda: reconcile_here(kind, what, context)) for t in C["targets"]]}
    finally:
        publish()


def onboard(event, context=None):
    return run(event, context, "onboarding")


def offboard(event, context=None):
    return run(event, context, "offboarding")
