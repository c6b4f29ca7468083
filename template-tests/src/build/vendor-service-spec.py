#!/usr/bin/env python3
"""Writes the part of the CloudFormation resource specification the template tests read.

Input: package/db.json.gz of the npm package @aws-cdk/aws-service-spec (see ../test/resources/aws-service-spec/README.md).
Output: every resource type name, and for the resource types of SERVICES their properties and
attributes (type and required only, no documentation) with the property types they use.

    python3 template-tests/src/build/vendor-service-spec.py db.json.gz <version> \
        template-tests/src/test/resources/aws-service-spec/resource-spec.json
"""
import gzip
import json
import sys

# The services template.yaml uses (and their neighbours a change is likely to add).
SERVICES = ["ApiGatewayV2", "AutoScaling", "CloudWatch", "DynamoDB", "EC2", "IAM", "KMS", "Lambda", "Logs",
            "OpenSearchService", "S3", "SES", "SNS", "SQS", "SecretsManager", "SSM"]


def slim_type(t):
    out = {"type": t.get("type")}
    for key in ("element", "reference"):
        if key in t:
            out[key] = slim_type(t[key]) if key == "element" else t[key]
    if "types" in t:
        out["types"] = [slim_type(x) for x in t["types"]]
    return out


def slim_properties(props):
    out = {}
    for name, p in sorted(props.items()):
        entry = {"type": slim_type(p["type"])}
        if p.get("required"):
            entry["required"] = True
        out[name] = entry
    return out


def refs(t, found):
    if t.get("type") == "ref":
        found.add(t["reference"]["$ref"])
    for key in ("element",):
        if key in t:
            refs(t[key], found)
    for x in t.get("types", []):
        refs(x, found)


def main(db_path, version, out_path):
    schema = json.load(gzip.open(db_path))["schema"]
    resources = schema["resource"]["entities"]
    types = {t["$id"]: t for t in schema["typeDefinition"]["entities"]}
    kept, wanted = [], set()
    for r in resources:
        service = r["cloudFormationType"].split("::")[1]
        if service not in SERVICES:
            continue
        kept.append({"cloudFormationType": r["cloudFormationType"],
                     "attributes": {k: {"type": slim_type(v["type"])} for k, v in sorted(r.get("attributes", {}).items())},
                     "properties": slim_properties(r.get("properties", {}))})
        for p in r.get("properties", {}).values():
            refs(p["type"], wanted)
    definitions, todo = {}, list(wanted)
    while todo:
        ref = todo.pop()
        if ref in definitions or ref not in types:
            continue
        t = types[ref]
        definitions[ref] = {"$id": ref, "name": t.get("name"), "properties": slim_properties(t.get("properties", {}))}
        for p in t.get("properties", {}).values():
            found = set()
            refs(p["type"], found)
            todo.extend(found)
    out = {"source": "npm @aws-cdk/aws-service-spec@" + version + " package/db.json.gz",
           "services": SERVICES,
           "resourceTypes": sorted(r["cloudFormationType"] for r in resources),
           "schema": {"resource": {"entities": kept},
                      "typeDefinition": {"entities": [definitions[k] for k in sorted(definitions, key=int)]}}}
    with open(out_path, "w") as f:
        json.dump(out, f, indent=None, separators=(",", ":"), sort_keys=False)
        f.write("\n")


if __name__ == "__main__":
    main(*sys.argv[1:4])
