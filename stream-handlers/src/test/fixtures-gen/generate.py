#!/usr/bin/env python3
"""Writes the Lambda-format DynamoDB stream event fixtures under src/test/resources/events/.

Run from stream-handlers/: python3 src/test/fixtures-gen/generate.py
The JSON files are committed; this script only documents how they were made and keeps sequence
numbers, versions and images consistent across files (each MODIFY's OldImage is the previous NewImage).
"""
import json, os

ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/users/stream/2026-11-25T00:00:00.000"
T0 = 1795600000  # 2026-11-25T...Z, epoch seconds as Lambda sends ApproximateCreationDateTime
OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "events")
seq_counter = [100000000000000000100]

def seq():
    seq_counter[0] += 7  # DynamoDB sequence numbers are increasing, not contiguous
    return str(seq_counter[0])

def user(uid, email, name, plan, country, locale, version, created="2026-11-25T08:00:00Z", expires=None):
    item = {"userId": {"S": uid}, "email": {"S": email}, "name": {"S": name}, "plan": {"S": plan},
            "country": {"S": country}, "locale": {"S": locale}, "createdAt": {"S": created},
            "version": {"N": str(version)}}
    if expires is not None:
        item["expiresAt"] = {"N": str(expires)}
    return item

def rec(event_id, name, keys, old=None, new=None, t=T0, identity=None, seqno=None):
    d = {"ApproximateCreationDateTime": t, "Keys": keys, "SequenceNumber": seqno or seq(),
         "SizeBytes": 180, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    if old is not None:
        d["OldImage"] = old
    if new is not None:
        d["NewImage"] = new
    r = {"eventID": event_id, "eventName": name, "eventVersion": "1.1", "eventSource": "aws:dynamodb",
         "awsRegion": "us-east-1", "dynamodb": d, "eventSourceARN": ARN}
    if identity:
        r["userIdentity"] = identity
    return r

def key(uid):
    return {"userId": {"S": uid}}

def write(name, records):
    with open(os.path.join(OUT, name), "w") as f:
        json.dump({"Records": records}, f, indent=2)
        f.write("\n")

os.makedirs(OUT, exist_ok=True)

# --- lifecycle: inserts -> updates -> email change -> delete -> TTL expiry -----------------------
u = {
    "u-1001": user("u-1001", "kim.minji@example.com", "Kim Minji", "free", "KR", "ko", 1),
    "u-1002": user("u-1002", "ada@example.com", "Ada Lovelace", "pro", "GB", "en", 1),
    "u-1003": user("u-1003", "grace@example.com", "Grace Hopper", "enterprise", "US", "en-US", 1),
    "u-1004": user("u-1004", "linus@example.com", "Linus T", "free", "FI", "fi", 1),
    "u-1005": user("u-1005", "trial@example.com", "Trial User", "free", "US", "en", 1, expires=T0 + 3600),
}
inserts = [rec(f"ins-{uid}", "INSERT", key(uid), new=item, t=T0 + i) for i, (uid, item) in enumerate(u.items())]
write("inserts.json", inserts)

u1_v2 = dict(u["u-1001"], plan={"S": "pro"}, version={"N": "2"})
u2_v2 = dict(u["u-1002"], country={"S": "IE"}, version={"N": "2"})
updates = [rec("upd-u-1001-v2", "MODIFY", key("u-1001"), old=u["u-1001"], new=u1_v2, t=T0 + 60),
           rec("upd-u-1002-v2", "MODIFY", key("u-1002"), old=u["u-1002"], new=u2_v2, t=T0 + 61)]
write("updates.json", updates)

u3_v2 = dict(u["u-1003"], email={"S": "grace.hopper@example.org"}, version={"N": "2"})
write("email-change.json", [rec("upd-u-1003-v2", "MODIFY", key("u-1003"), old=u["u-1003"], new=u3_v2, t=T0 + 120)])

write("delete.json", [rec("del-u-1004", "REMOVE", key("u-1004"), old=u["u-1004"], t=T0 + 180)])

# TTL expiry: REMOVE by the TTL service; the old image's expiresAt is before the record's creation time.
write("ttl-expiry.json", [rec("ttl-u-1005", "REMOVE", key("u-1005"), old=u["u-1005"], t=T0 + 7200,
                              identity={"type": "Service", "principalId": "dynamodb.amazonaws.com"})])

# --- a duplicated batch: the same two inserts twice in one delivery (same eventIDs, same sequence numbers)
d1 = rec("ins-u-3001", "INSERT", key("u-3001"), new=user("u-3001", "sora@example.com", "Sora", "pro", "JP", "en", 1), t=T0 + 300)
d2 = rec("ins-u-3002", "INSERT", key("u-3002"), new=user("u-3002", "minho@example.com", "Minho", "free", "KR", "ko", 1), t=T0 + 301)
write("duplicated-batch.json", [d1, d2, json.loads(json.dumps(d1)), json.loads(json.dumps(d2))])

# --- malformed records between good ones: each bad one is dead-lettered, the good ones after it applied
good_before = rec("ins-u-2001", "INSERT", key("u-2001"), new=user("u-2001", "before@example.com", "Before", "free", "DE", "en", 1), t=T0 + 400)
missing_keys = rec("bad-missing-keys", "INSERT", {}, new={"email": {"S": "nokey@example.com"}, "name": {"S": "No Key"}}, t=T0 + 401)
wrong_types = rec("bad-wrong-types", "INSERT", {"userId": {"N": "2002"}},
                  new={"userId": {"N": "2002"}, "email": {"S": "types@example.com"}, "name": {"S": "Wrong Types"},
                       "plan": {"N": "1"}, "country": {"S": "US"}, "locale": {"S": "en"},
                       "createdAt": {"S": "2026-11-25T08:00:00Z"}, "version": {"S": "one"}}, t=T0 + 402)
invalid_email = rec("bad-invalid-email", "INSERT", key("u-2003"),
                    new=user("u-2003", "not-an-email", "Invalid Email", "pro", "US", "en", 1), t=T0 + 403)
# An attribute value with no type at all: the SDK transformer itself cannot convert it.
untyped = rec("bad-untyped-attribute", "INSERT", key("u-2004"),
              new=dict(user("u-2004", "untyped@example.com", "Untyped", "free", "US", "en", 1), name={}), t=T0 + 404)
good_after = rec("ins-u-2005", "INSERT", key("u-2005"), new=user("u-2005", "after@example.com", "After", "enterprise", "KR", "ko", 1), t=T0 + 405)
write("malformed.json", [good_before, missing_keys, wrong_types, invalid_email, untyped, good_after])
