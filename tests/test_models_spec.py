"""Every model structures every shape of its response that openapi.json allows.

From each schema named in ``SCHEMAS`` three documents are generated: *minimal* (required
properties only), *maximal* (every property) and *nulls* (every property, the nullable ones
``null``). jsonschema first checks each document against the spec, so the generator is tested
too; then the client's converter structures it, and the model must hold what the document
says, field by field. A namespace adds its models with one line per response in ``SCHEMAS``.
"""

from __future__ import annotations

import re
import types
from datetime import datetime
from enum import EnumMeta
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

import attrs
import jsonschema
import pytest

from aiocircle import models
from aiocircle._converter import JSON_KEY, structure
from aiocircle.models import (
    Artifact,
    BundleDiff,
    CheckoutKey,
    ClaimResponse,
    Collaboration,
    Component,
    ComponentVersion,
    Decision,
    DecisionLog,
    DecisionSettings,
    Environment,
    EnvVar,
    Group,
    GroupDeleted,
    JobDetails,
    MessageResponse,
    Model,
    Organization,
    Pipeline,
    PipelineConfig,
    PipelineCreation,
    PipelineDefinition,
    PipelineDefinitionDeleted,
    PipelineDefinitionList,
    PipelineNotTriggered,
    PipelineRun,
    PipelineTrigger,
    PipelineTriggerList,
    Policy,
    Project,
    ProjectSettings,
    RerunResponse,
    Rollback,
    TestResult,
    TriggerDeleted,
    UrlOrbAllowList,
    UrlOrbAllowListChange,
    User,
    Workflow,
    WorkflowJob,
    insights,
    usage,
)
from aiocircle.testing.spec import json_schema, openapi

# Each response the client structures: where the spec describes it, and the type it becomes.
# "operationId" is the operation's success body, "operationId#/pointer" a part of it (the items
# of a page), "#/components/schemas/Name" a shared schema.
SCHEMAS: dict[str, Any] = {
    "getCurrentUser": User,
    "getUser": User,
    "getCollaborations": list[Collaboration],
    "getProjectBySlug": Project,
    "listCheckoutKeys#/properties/items/items": CheckoutKey,
    "createCheckoutKey": CheckoutKey,
    "getCheckoutKey": CheckoutKey,
    "deleteCheckoutKey": MessageResponse,
    "listEnvVars#/properties/items/items": EnvVar,
    "createEnvVar": EnvVar,
    "getEnvVar": EnvVar,
    "deleteEnvVar": MessageResponse,
    "listPipelinesForProject#/properties/items/items": Pipeline,
    "listMyPipelines#/properties/items/items": Pipeline,
    "getPipelineById": Pipeline,
    "getPipelineByNumber": Pipeline,
    "getPipelineConfigById": PipelineConfig,
    "triggerPipeline": PipelineCreation,
    "listWorkflowsByPipelineId#/properties/items/items": Workflow,
    "getWorkflowById": Workflow,
    "cancelWorkflow": MessageResponse,
    "rerunWorkflow": RerunResponse,
    "approvePendingApprovalJobById": MessageResponse,
    "listWorkflowJobs#/properties/items/items": WorkflowJob,
    "getJobDetails": JobDetails,
    "cancelJobByJobNumber": MessageResponse,
    "getTests#/properties/items/items": TestResult,
    "getJobArtifacts#/properties/items/items": Artifact,
    "GetDecisionLogs": list[DecisionLog],
    "MakeDecision": Decision,
    "GetDecisionSettings": DecisionSettings,
    "SetDecisionSettings": DecisionSettings,
    "GetDecisionLog": DecisionLog,
    "GetDecisionLogPolicyBundle#/additionalProperties/items": Policy,
    "GetPolicyBundle#/additionalProperties/items": Policy,
    # CreatePolicyBundle answers BundleDiff with 200 (dry run) and 201: one schema, two codes.
    "#/components/schemas/BundleDiff": BundleDiff,
    "GetPolicyDocument": Policy,
    "GetOrgClaims": ClaimResponse,
    "PatchOrgClaims": ClaimResponse,
    "DeleteOrgClaims": ClaimResponse,
    "GetProjectClaims": ClaimResponse,
    "PatchProjectClaims": ClaimResponse,
    "DeleteProjectClaims": ClaimResponse,
    "getProjectWorkflowsPageData": insights.ProjectWorkflowsPage,
    "getJobTimeseries#/properties/items/items": insights.JobTimeseries,
    "getOrgSummaryData": insights.OrgSummary,
    "getAllInsightsBranches": insights.InsightsBranches,
    "getFlakyTests": insights.FlakyTests,
    "getProjectWorkflowMetrics#/properties/items/items": insights.WorkflowMetrics,
    "getProjectWorkflowRuns#/properties/items/items": insights.WorkflowRun,
    "getProjectWorkflowJobMetrics#/properties/items/items": insights.JobMetrics,
    "getWorkflowSummary": insights.WorkflowSummary,
    "getProjectWorkflowTestMetrics": insights.TestMetrics,
    "createUsageExport": usage.UsageExportCreation,
    "getUsageExport": usage.UsageExport,
    "createOrganization": Organization,
    "deleteOrganization": MessageResponse,
    "listURLOrbAllowListEntries": UrlOrbAllowList,
    "createURLOrbAllowListEntry": UrlOrbAllowListChange,
    "removeURLOrbAllowListEntry": UrlOrbAllowListChange,
    "getOrganizationGroups#/properties/items/items": Group,
    "createOrganizationGroup": Group,
    "getGroup": Group,
    "deleteGroup": GroupDeleted,
    "listPipelineDefinitions": PipelineDefinitionList,
    "createPipelineDefinition": PipelineDefinition,
    "getPipelineDefinition": PipelineDefinition,
    "updatePipelineDefinition": PipelineDefinition,
    "deletePipelineDefinition": PipelineDefinitionDeleted,
    "listPipelineDefinitionTriggers": PipelineTriggerList,
    "createTrigger": PipelineTrigger,
    "getTrigger": PipelineTrigger,
    "updateTrigger": PipelineTrigger,
    "deleteTrigger": TriggerDeleted,
    "listPipelines#/properties/items/items": Pipeline,
    "continuePipeline": MessageResponse,
    "#/components/schemas/pipeline": PipelineRun,
    "#/components/schemas/pipelineNotTriggeredResponse": PipelineNotTriggered,
    "cancelJobByJobID": MessageResponse,
    "createProject": Project,
    "deleteProjectBySlug": MessageResponse,
    "createProject1": ProjectSettings,
    "getProjectSettings": ProjectSettings,
    "patchProjectSettings": ProjectSettings,
    "rollbackProject": Rollback,
    "listEnvironments#/properties/items/items": Environment,
    "getEnvironment": Environment,
    "listComponents#/properties/items/items": Component,
    "getComponent": Component,
    "listComponentVersions#/properties/items/items": ComponentVersion,
    "listContexts#/properties/items/items": models.Context,
    "createContext": models.Context,
    "getContext": models.Context,
    "deleteContext": MessageResponse,
    "listEnvironmentVariablesFromContext#/properties/items/items": models.ContextEnvVar,
    "addEnvironmentVariableToContext#/anyOf/0": models.ContextEnvVar,
    "addEnvironmentVariableToContext#/anyOf/1": MessageResponse,
    "deleteEnvironmentVariableFromContext": MessageResponse,
    "getContextRestrictions#/properties/items/items": models.ContextRestriction,
    "createContextRestriction": models.CreatedRestriction,
    "deleteContextRestriction": models.RestrictionDeleted,
    "listSchedulesForProject#/properties/items/items": models.Schedule,
    "createSchedule": models.Schedule,
    "getScheduleById": models.Schedule,
    "updateSchedule": models.Schedule,
    "deleteScheduleById": MessageResponse,
    "getWebhooks#/properties/items/items": models.Webhook,
    "createWebhook": models.Webhook,
    "getWebhookById": models.Webhook,
    "updateWebhook": models.Webhook,
    "deleteWebhook": MessageResponse,
}

Variant = Literal["minimal", "maximal", "nulls"]
VARIANTS: tuple[Variant, ...] = ("minimal", "maximal", "nulls")

# -- the spec -------------------------------------------------------------------------------


def _pointer(node: Any, pointer: str) -> Any:
    """Follow a JSON pointer (``/a/b``) from ``node``, through any ``$ref`` on the way."""
    for part in filter(None, pointer.split("/")):
        node = _deref(node)
        key = part.replace("~1", "/").replace("~0", "~")
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node


def _deref(node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        node = _pointer(openapi(), node["$ref"].removeprefix("#"))
    return node


def _operations() -> dict[str, dict[str, Any]]:
    return {
        op["operationId"]: op
        for item in openapi()["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    }


def _success_schemas(operation_id: str) -> dict[str, Any]:
    """The JSON schema of each 2xx answer of an operation that has a JSON body, by status."""
    found = {}
    for code, response in _operations()[operation_id]["responses"].items():
        content = _deref(response).get("content", {})
        if code.startswith("2") and "application/json" in content:
            found[code] = content["application/json"]["schema"]
    return found


def _success_schema(operation_id: str) -> Any:
    """The JSON schema of the one 2xx answer of an operation."""
    (schema,) = _success_schemas(operation_id).values()
    return schema


def schema_at(where: str) -> Any:
    """The schema a ``SCHEMAS`` key names."""
    operation_id, _, pointer = where.partition("#")
    root = _success_schema(operation_id) if operation_id else openapi()
    return _deref(_pointer(root, pointer))


def _nullable(schema: Any) -> bool:
    return bool(schema.get("nullable") or schema.get("x-nullable"))


def _merge(schemas: list[Any]) -> dict[str, Any]:
    """One schema that demands what all of ``schemas`` demand (for ``allOf``)."""
    out: dict[str, Any] = {}
    for schema in map(_concrete, schemas):
        for key, value in schema.items():
            if key == "properties":
                out["properties"] = {**out.get("properties", {}), **value}
            elif key == "required":
                out["required"] = [*out.get("required", []), *value]
            elif key == "minimum":
                out["minimum"] = max(out.get("minimum", value), value)
            else:
                out[key] = value
    return out


def _concrete(schema: Any) -> dict[str, Any]:
    """``schema`` with its ``$ref`` followed, ``allOf`` merged and ``oneOf`` / ``anyOf`` decided
    for their first alternative: the shape a generated value takes."""
    schema = dict(_deref(schema))
    if "allOf" in schema:
        parts = schema.pop("allOf")
        schema = _merge([schema, *parts])
    for key in ("oneOf", "anyOf"):
        if key in schema:
            first = schema.pop(key)[0]
            schema = _merge([schema, first])
    return schema


_RFC3339 = re.compile(
    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", flags=re.ASCII | re.IGNORECASE
)
FORMATS = jsonschema.FormatChecker()  # checks "uuid" itself
FORMATS.checks("date-time")(
    lambda value: not isinstance(value, str) or bool(_RFC3339.fullmatch(value))
)


def _validator(schema: Any) -> jsonschema.Draft202012Validator:
    converted = json_schema(schema)
    jsonschema.Draft202012Validator.check_schema(converted)
    return jsonschema.Draft202012Validator(converted, format_checker=FORMATS)


# -- the generator --------------------------------------------------------------------------

UUID = "5034460f-c7c4-4c43-9457-de07e2029e7b"
_FORMATTED = {
    # The maximal timestamp carries fractions and an offset; the minimal one is plain UTC.
    ("date-time", "minimal"): "2026-01-02T03:04:05Z",
    ("date-time", "maximal"): "2026-01-02T03:04:05.678+02:00",
    ("date", "minimal"): "2026-01-02",
    ("uuid", "minimal"): UUID,
    ("uri", "minimal"): "https://example.com/path",
}
# A pattern needs a sample: the spec gives JSONDuration no example.
_PATTERN_SAMPLES = {"^([0-9]+(ms|s|m|h|d|w)){1,7}$": "1h30m"}


def generate(schema: Any, variant: Variant, depth: int = 0) -> Any:
    """A document valid for ``schema``: ``minimal`` has only required properties, ``maximal``
    every property, ``nulls`` every property with the nullable ones ``None``. Arrays hold
    one item, so the items get the same treatment."""
    assert depth < 40, "the schema recurses through required properties"
    schema = _concrete(schema)
    if variant == "nulls" and _nullable(schema):
        return None
    if "enum" in schema:
        return schema["enum"][0 if variant == "minimal" else -1]
    kind = schema.get("type", "object" if "properties" in schema else None)
    if kind == "object":
        return _generate_object(schema, variant, depth)
    if kind == "array":
        item = generate(schema.get("items", {}), variant, depth + 1)
        return [item] * max(1, schema.get("minItems", 1))
    if kind == "string":
        return _generate_string(schema, variant)
    if kind in ("integer", "number"):
        low = schema.get("minimum", 1)
        value = low + 1 if schema.get("exclusiveMinimum") is True else low
        return value if kind == "integer" or variant == "minimal" else value + 0.5
    if kind == "boolean":
        return variant != "minimal"
    # No type at all: any value is valid, and the example is the only hint of the intent.
    return schema.get("example", "text")


def _generate_object(schema: dict[str, Any], variant: Variant, depth: int) -> dict[str, Any]:
    required = set(schema.get("required", []))
    out = {
        name: generate(sub, variant, depth + 1)
        for name, sub in schema.get("properties", {}).items()
        # Optional properties stop where a schema would recurse into itself for ever.
        if name in required or (variant != "minimal" and depth < 8)
    }
    extra = _deref(schema.get("additionalProperties"))
    if variant != "minimal" and isinstance(extra, dict):
        # One entry per alternative of a map's values, so each kind of value is seen.
        extra_base = {key: value for key, value in extra.items() if key not in ("oneOf", "anyOf")}
        options = extra.get("oneOf") or extra.get("anyOf") or [{}]
        for index, option in enumerate(options):
            value_schema = _merge([extra_base, option])
            out[f"extra-{index}"] = generate(value_schema, variant, depth + 1)
    return out


def _generate_string(schema: dict[str, Any], variant: Variant) -> str:
    form = schema.get("format")
    if (form, variant) in _FORMATTED:
        return _FORMATTED[form, variant]
    if (form, "minimal") in _FORMATTED:
        return _FORMATTED[form, "minimal"]
    if "pattern" in schema:
        return _PATTERN_SAMPLES[schema["pattern"]]
    text = schema["example"] if isinstance(schema.get("example"), str) else "text"
    text = text.ljust(schema.get("minLength", 0), "x")
    return text[: schema.get("maxLength", len(text))]


# -- models ---------------------------------------------------------------------------------


def _json_key(field: attrs.Attribute[Any]) -> str:
    return str(field.metadata.get(JSON_KEY, field.name))


def _fields(cls: type) -> list[tuple[attrs.Attribute[Any], Any]]:
    """The attrs fields of a model (``raw`` left out) with their resolved annotations."""
    hints = get_type_hints(cls)
    return [(field, hints[field.name]) for field in attrs.fields(cls) if field.name != "raw"]


def _without_none(hint: Any) -> tuple[Any, bool]:
    """``X | None`` as ``(X, True)``; any other hint as ``(hint, False)``."""
    if get_origin(hint) not in (Union, types.UnionType) or type(None) not in get_args(hint):
        return hint, False
    rest = tuple(arg for arg in get_args(hint) if arg is not type(None))
    return (rest[0] if len(rest) == 1 else Union[rest]), True  # noqa: UP007


def _nested_models(hint: Any) -> set[type]:
    """Every model class a value of type ``hint`` can contain, itself included."""
    hint, _ = _without_none(hint)
    if get_origin(hint) in (list, dict, Union, types.UnionType):
        return set().union(*(_nested_models(arg) for arg in get_args(hint)))
    if isinstance(hint, type) and issubclass(hint, Model):
        return {hint}.union(*(_nested_models(h) for _, h in _fields(hint)))
    return set()


def _model_schemas(hint: Any, schema: Any) -> list[tuple[type, dict[str, Any]]]:
    """``(model, object schema)`` of ``hint`` and of every model nested in it."""
    hint, _ = _without_none(hint)
    schema = _concrete(schema)
    if get_origin(hint) is list:
        return _model_schemas(get_args(hint)[0], schema.get("items", {}))
    if not (isinstance(hint, type) and issubclass(hint, Model)):
        return []
    found = [(hint, schema)]
    properties = schema.get("properties", {})
    for field, field_hint in _fields(hint):
        if _json_key(field) in properties:
            found += _model_schemas(field_hint, properties[_json_key(field)])
    return found


def assert_mirrors(value: Any, doc: Any, hint: Any, variant: Variant, where: str = "$") -> None:
    """``value``, structured from ``doc`` as ``hint``, holds what ``doc`` says."""
    hint, _ = _without_none(hint)
    if doc is None:
        assert value is None, where
    elif get_origin(hint) is list:
        assert isinstance(value, list), where
        assert len(value) == len(doc), where
        for index, (item, item_doc) in enumerate(zip(value, doc, strict=True)):
            assert_mirrors(item, item_doc, get_args(hint)[0], variant, f"{where}[{index}]")
    elif isinstance(hint, type) and issubclass(hint, Model):
        assert type(value) is hint, where
        assert value.raw is doc, where
        for field, field_hint in _fields(hint):
            key, got = _json_key(field), getattr(value, field.name)
            if key in doc:
                assert_mirrors(got, doc[key], field_hint, variant, f"{where}.{key}")
            else:
                # Every field of a model is a property of the spec: the maximal document has it.
                assert variant != "maximal", f"{where}.{key}: no such property in the spec"
                assert got == _default(field), f"{where}.{key}"
    elif hint is datetime:
        # The env-var example carries a Clojure reader tag ("#joda/inst 2023-04-14T…").
        assert value == datetime.fromisoformat(doc.removeprefix("#joda/inst ")), where
        assert value.tzinfo is not None, where
    else:
        assert value == doc, where


def _default(field: attrs.Attribute[Any]) -> Any:
    if isinstance(field.default, attrs.Factory):
        return field.default.factory()
    return field.default


# -- the tests ------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("where", sorted(SCHEMAS))
def test_every_variant_of_a_response_structures_into_its_model(
    where: str, variant: Variant
) -> None:
    schema = schema_at(where)
    doc = generate(schema, variant)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in _validator(schema).iter_errors(doc)]
    assert not errors, (doc, errors)

    value = structure(doc, SCHEMAS[where])

    assert_mirrors(value, doc, SCHEMAS[where], variant)


@pytest.mark.parametrize("where", sorted(SCHEMAS))
def test_fields_the_spec_makes_optional_or_nullable_default_to_none(where: str) -> None:
    wrong = []
    for cls, schema in _model_schemas(SCHEMAS[where], schema_at(where)):
        required, properties = set(schema.get("required", [])), schema.get("properties", {})
        for field, hint in _fields(cls):
            prop = properties.get(_json_key(field))
            if prop is None or (_json_key(field) in required and not _nullable(_deref(prop))):
                continue
            if not (_without_none(hint)[1] and field.default is None):
                wrong.append(f"{cls.__name__}.{field.name}: {hint}")
    assert not wrong, f"optional or nullable in {where}, so must be `| None = None`: {wrong}"


@pytest.mark.parametrize("where", sorted(SCHEMAS))
def test_open_enums_know_every_value_the_spec_lists(where: str) -> None:
    unknown = []
    for cls, schema in _model_schemas(SCHEMAS[where], schema_at(where)):
        for field, hint in _fields(cls):
            prop = _concrete(schema.get("properties", {}).get(_json_key(field), {}))
            enums = [arg for arg in get_args(_without_none(hint)[0]) if isinstance(arg, EnumMeta)]
            if enums:
                known = {member.value for member in enums[0]}
                unknown += [
                    f"{cls.__name__}.{field.name}: {value!r}"
                    for value in prop.get("enum", [])
                    if value is not None and value not in known
                ]
    assert not unknown, f"add them to the enum: {unknown}"


def test_every_model_is_checked_against_the_spec() -> None:
    exported = {
        cls
        for cls in map(vars(models).get, models.__all__)
        if isinstance(cls, type) and issubclass(cls, Model) and cls is not Model
    }
    covered = set().union(*map(_nested_models, SCHEMAS.values()))
    assert sorted(c.__name__ for c in exported - covered) == [], "add them to SCHEMAS"


def test_every_schema_named_is_an_object_or_a_list_of_them() -> None:
    for where, hint in SCHEMAS.items():
        schema = _concrete(schema_at(where))
        if get_origin(hint) is list:
            assert schema["type"] == "array", where
            schema = _concrete(schema["items"])
        assert "properties" in schema, where


def test_the_generator_follows_refs_and_composition() -> None:
    schema = {
        "type": "object",
        "required": ["id", "kind", "owner", "size"],
        "properties": {
            "id": {"type": "string", "format": "uuid", "x-nullable": True},
            "kind": {"type": "string", "enum": ["a", "b"]},
            "owner": {"oneOf": [{"type": "object", "properties": {"slug": {"type": "string"}}}]},
            "size": {"allOf": [{"type": "integer"}, {"type": "integer", "minimum": 3}]},
            "when": {"type": "string", "format": "date-time", "nullable": True},
            "tags": {"type": "array", "items": {"$ref": "#/components/schemas/label"}},
            "params": {
                "type": "object",
                "additionalProperties": {
                    "anyOf": [
                        {"type": "string"},
                        {"type": "boolean"},
                    ]
                },
            },
        },
    }
    assert generate(schema, "minimal") == {"id": UUID, "kind": "a", "owner": {}, "size": 3}
    maximal = generate(schema, "maximal")
    assert maximal == {
        "id": UUID,
        "kind": "b",
        "owner": {"slug": "text"},
        "size": 3,
        "when": "2026-01-02T03:04:05.678+02:00",
        "tags": [{"key": "env", "value": "prod"}],  # plain strings take the spec's example
        "params": {"extra-0": "text", "extra-1": True},
    }
    nulls = generate(schema, "nulls")
    assert (nulls["id"], nulls["when"], nulls["kind"]) == (None, None, "b")
    for doc in (generate(schema, variant) for variant in VARIANTS):
        assert _validator(schema).is_valid(doc), doc


def test_the_validator_rejects_what_the_spec_forbids() -> None:
    validator = _validator(schema_at("getCollaborations"))
    (org,) = generate(schema_at("getCollaborations"), "maximal")

    assert validator.is_valid([{**org, "id": None}])
    assert not validator.is_valid([{**org, "id": "not-a-uuid"}])
    assert not validator.is_valid([{**org, "name": None}])
    assert not validator.is_valid([{key: v for key, v in org.items() if key != "slug"}])
    created = _validator(schema_at("getPipelineById"))
    pipeline = generate(schema_at("getPipelineById"), "minimal")
    assert created.is_valid(pipeline)
    assert not created.is_valid({**pipeline, "created_at": "2026-01-02 03:04:05"})


@pytest.mark.parametrize(
    ("operation_id", "status"),
    sorted((op, status) for op in _operations() for status in _success_schemas(op)),
)
def test_the_generator_writes_valid_documents_for_every_response_in_the_spec(
    operation_id: str, status: str
) -> None:
    schema = _success_schemas(operation_id)[status]
    validator = _validator(schema)
    for variant in VARIANTS:
        doc = generate(schema, variant)
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc)]
        assert not errors, (variant, doc, errors)
