"""The JSON Schemas we ship declare draft 2020-12, but the receiving side checks handover packages with
fastjsonschema, which implements drafts 4, 6 and 7 (a 2020-12 `$schema` makes it use draft 7). Both read a
schema alike only while it keeps to the keywords that mean the same in draft 7 and 2020-12: this keeps it so."""

from __future__ import annotations

import json
from pathlib import Path

import fastjsonschema
import jsonschema
import pytest

SCHEMAS = sorted((Path(__file__).resolve().parents[1] / "supportline").glob("**/schema/*.json"))

# Same meaning in draft 7 and 2020-12. Left out on purpose, with what draft 7 does instead:
# prefixItems, $anchor, $dynamicRef, dependentRequired, dependentSchemas, unevaluated*, minContains and
# maxContains are unknown to it and silently ignored; `items` as an array means prefixItems in 2020-12
# only; `dependencies` and `definitions` are gone from 2020-12; `$ref` with siblings ignores the siblings.
SAME_IN_BOTH = {
    "$schema", "$id", "$ref", "$defs", "$comment", "title", "description", "default", "examples", "readOnly",
    "writeOnly", "deprecated", "type", "enum", "const", "format", "properties", "additionalProperties",
    "patternProperties", "propertyNames", "required", "minProperties", "maxProperties", "items", "contains",
    "minItems", "maxItems", "uniqueItems", "minLength", "maxLength", "pattern", "minimum", "maximum",
    "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "allOf", "anyOf", "oneOf", "not", "if", "then", "else",
}
ANNOTATIONS = {"$comment", "title", "description", "default", "examples", "readOnly", "writeOnly", "deprecated"}
SCHEMA_MAPS = {"properties", "patternProperties", "$defs"}  # their keys are names, their values schemas
SCHEMA_LISTS = {"allOf", "anyOf", "oneOf"}
SCHEMA_VALUES = {"additionalProperties", "propertyNames", "items", "contains", "not", "if", "then", "else"}


def disagreements(schema, where: str = "#") -> list[str]:
    """Where a schema says something that draft 7 and 2020-12 read differently."""
    if isinstance(schema, bool):
        return []
    if not isinstance(schema, dict):
        return [f"{where}: inget schema"]
    found = [f"{where}/{key}: okänt för draft 7 eller 2020-12" for key in schema if key not in SAME_IN_BOTH]
    if "$ref" in schema and set(schema) - ANNOTATIONS - {"$ref"}:
        found.append(f"{where}: $ref med andra nyckelord (draft 7 bortser från dem)")
    if "$id" in schema and where != "#":
        found.append(f"{where}/$id: bara i roten")
    if isinstance(schema.get("items"), list):
        found.append(f"{where}/items: en lista betyder prefixItems i 2020-12")
    for key, value in schema.items():
        if key in SCHEMA_MAPS:
            for name, sub in value.items():
                found += disagreements(sub, f"{where}/{key}/{name}")
        elif key in SCHEMA_LISTS:
            for number, sub in enumerate(value):
                found += disagreements(sub, f"{where}/{key}/{number}")
        elif key in SCHEMA_VALUES and not isinstance(value, list):
            found += disagreements(value, f"{where}/{key}")
    return found


def test_every_shipped_schema_is_found():
    names = {path.name for path in SCHEMAS}
    assert {"inquiry.schema.json", "manifest.schema.json", "article.schema.json", "staff.schema.json"} <= names


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda path: path.name)
def test_schema_reads_the_same_in_draft_7_and_2020_12(path):
    schema = json.loads(path.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert disagreements(schema) == []
    jsonschema.Draft202012Validator.check_schema(schema)
    fastjsonschema.compile(schema)  # every keyword and format is one it knows


@pytest.mark.parametrize("schema, expected", [
    ({"prefixItems": [{"type": "string"}]}, "#/prefixItems"),
    ({"type": "object", "properties": {"a": {"dependentRequired": {"b": ["c"]}}}}, "#/properties/a/dependentRequired"),
    ({"items": [{"type": "string"}]}, "#/items: en lista"),
    ({"anyOf": [{"$ref": "#/$defs/x", "maxLength": 3}]}, "#/anyOf/0: $ref med andra"),
    ({"properties": {"a": {"unevaluatedProperties": False}}}, "#/properties/a/unevaluatedProperties"),
    ({"if": {"properties": {"k": {"const": 1}}}, "then": {"definitions": {}}}, "#/then/definitions"),
])
def test_a_keyword_draft_7_reads_differently_is_named(schema, expected):
    assert any(found.startswith(expected) for found in disagreements(schema)), disagreements(schema)


def test_property_names_are_not_taken_for_keywords():
    schema = {"type": "object", "properties": {"prefixItems": {"type": "string"}, "items": {"type": "integer"}}}
    assert disagreements(schema) == []
