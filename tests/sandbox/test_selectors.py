"""Label and field selectors: grammar, matching, canonical strings and apimachinery's error messages."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest

from workbench.errors import SandboxApiError
from workbench.sandbox._selectors import (
    EVERYTHING,
    NOTHING,
    FieldSelector,
    LabelSelector,
    Operator,
    Requirement,
    escape_field_value,
    label_key_errors,
    label_selector_causes,
    label_selector_from_spec,
    label_value_errors,
    parse_field_selector,
    parse_label_selector,
    selector_from_map,
)

NAME_REGEX_HINT = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
    "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
VALUE_REGEX_HINT = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and "
    "must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', "
    "regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)


def bad_label_selector(text: str) -> str:
    with pytest.raises(SandboxApiError) as info:
        parse_label_selector(text)
    assert (info.value.code, info.value.reason) == (400, "BadRequest")
    return info.value.message


# --- label selector grammar ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key", "operator", "values"),
    [
        ("app=api", "app", Operator.EQUALS, ("api",)),
        ("app==api", "app", Operator.DOUBLE_EQUALS, ("api",)),
        ("app!=api", "app", Operator.NOT_EQUALS, ("api",)),
        ("tier in (b,a)", "tier", Operator.IN, ("a", "b")),
        ("tier notin (a)", "tier", Operator.NOT_IN, ("a",)),
        ("canary", "canary", Operator.EXISTS, ()),
        ("!canary", "canary", Operator.DOES_NOT_EXIST, ()),
        ("replicas>3", "replicas", Operator.GREATER_THAN, ("3",)),
        ("replicas<3", "replicas", Operator.LESS_THAN, ("3",)),
        ("app.kubernetes.io/name=web", "app.kubernetes.io/name", Operator.EQUALS, ("web",)),
        ("app=", "app", Operator.EQUALS, ("",)),
        ("in=notin", "in", Operator.EQUALS, ("notin",)),
    ],
)
def test_each_requirement_form_parses(
    text: str, key: str, operator: Operator, values: tuple[str, ...]
) -> None:
    assert parse_label_selector(text).requirements == (Requirement(key, operator, values),)


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("", ""),
        ("app in (web,api),!canary", "app in (api,web),!canary"),
        ("  tier  notin ( b , a ) ,  app = api ", "app=api,tier notin (a,b)"),
        ("x in (foo,,baz),y,z notin ()", "x in (,baz,foo),y,z notin ()"),
        ("x in (a,a,b)", "x in (a,b)"),
        ("x in (,a)", "x in (,a)"),
        ("x in (a,)", "x in (,a)"),
        ("k==v,k2!=", "k==v,k2!="),
        ("n>1,m<20", "m<20,n>1"),
        ("x in (in,notin)", "x in (in,notin)"),
    ],
)
def test_canonical_string_matches_apimachinery_and_round_trips(text: str, canonical: str) -> None:
    selector = parse_label_selector(text)
    assert str(selector) == canonical
    assert parse_label_selector(canonical) == selector


def test_kubectl_url_encoded_selector_decodes_and_parses() -> None:
    query = parse_qs("labelSelector=app+in+%28api%2Cweb%29%2C%21canary&limit=500")
    selector = parse_label_selector(query["labelSelector"][0])
    assert str(selector) == "app in (api,web),!canary"
    assert selector.matches({"app": "web"})
    assert not selector.matches({"app": "web", "canary": "true"})


def test_selector_is_hashable_and_value_order_does_not_matter() -> None:
    a = parse_label_selector("tier in (a,b),app=x")
    b = parse_label_selector("app=x,tier in (b,a)")
    assert a == b
    assert len({a, b}) == 1
    assert Requirement("k", Operator.IN, ("z", "a", "z")).values == ("a", "z")


# --- matching -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "labels", "expected"),
    [
        ("app=api", {"app": "api"}, True),
        ("app=api", {"app": "web"}, False),
        ("app=api", {}, False),
        ("app!=api", {}, True),
        ("app!=api", {"app": "api"}, False),
        ("app=", {"app": ""}, True),
        ("app=", {}, False),
        ("tier in (a,b)", {"tier": "b"}, True),
        ("tier in (a,b)", {}, False),
        ("tier notin (a,b)", {}, True),
        ("tier notin (a,b)", {"tier": "a"}, False),
        ("canary", {"canary": ""}, True),
        ("canary", {}, False),
        ("!canary", {}, True),
        ("!canary", {"canary": "no"}, False),
        ("n>3", {"n": "4"}, True),
        ("n>3", {"n": "3"}, False),
        ("n>3", {"n": "four"}, False),
        ("n>3", {}, False),
        ("n<3", {"n": "-10"}, True),
        ("n<3", {"n": " 1"}, False),
        ("app=api,tier=db", {"app": "api", "tier": "db", "extra": "x"}, True),
        ("app=api,tier=db", {"app": "api"}, False),
        ("", {"anything": "x"}, True),
    ],
)
def test_matches(text: str, labels: dict[str, str], expected: bool) -> None:
    assert parse_label_selector(text).matches(labels) is expected


def test_everything_and_nothing() -> None:
    assert EVERYTHING.empty
    assert EVERYTHING.matches({})
    assert parse_label_selector("").empty
    assert not NOTHING.empty
    assert not NOTHING.matches({})
    assert str(NOTHING) == ""
    assert not parse_label_selector("a").empty


def test_requires_exact_match() -> None:
    assert parse_label_selector("app=api,tier in (db)").requires_exact_match("app") == "api"
    assert parse_label_selector("tier in (db)").requires_exact_match("tier") == "db"
    assert parse_label_selector("tier in (a,b)").requires_exact_match("tier") is None
    assert parse_label_selector("app!=api").requires_exact_match("app") is None
    assert parse_label_selector("app=api").requires_exact_match("other") is None


# --- parse errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"),
        ("=a", "found '=', expected: !, identifier, or 'end of string'"),
        ("a,", "found '', expected: identifier after ','"),
        ("a,,b", "found ',', expected: identifier after ','"),
        ("a in b", "unable to parse requirement: found 'b' expected: '('"),
        ("a notin", "unable to parse requirement: found '' expected: '('"),
        ("a in (b", "unable to parse requirement: found '', expected: ',' or ')'"),
        ("a in (b c)", "unable to parse requirement: found 'c', expected: ',' or ')'"),
        ("a in (=)", "unable to parse requirement: found '=', expected: ',', ')' or identifier"),
        ("a in (b,=)", "unable to parse requirement: found '=', expected: ',', or identifier"),
        ("a=b=c", "found '=', expected: ',' or 'end of string'"),
        ("!a=b", "found '=', expected: ',' or 'end of string'"),
        ("a=(b)", "unable to parse requirement: found '(', expected: identifier"),
        ("a=!b", "unable to parse requirement: found '!', expected: identifier"),
        ("!=a", "found '!=', expected: !, identifier, or 'end of string'"),
        ("!,a", "unable to parse requirement: found ',', expected: identifier"),
        (
            "a>x",
            "unable to parse requirement: values[0]: Invalid value: \"x\": for 'Gt', 'Lt' operators, "
            "the value must be an integer",
        ),
    ],
)
def test_parse_errors_use_apimachinery_wording(text: str, message: str) -> None:
    assert bad_label_selector(text) == message


def test_invalid_key_error_has_nil_field_path() -> None:
    assert bad_label_selector("app:monolith") == (
        'unable to parse requirement: <nil>: Invalid value: "app:monolith": name part ' + NAME_REGEX_HINT
    )
    assert bad_label_selector("a/b/c=x") == (
        'unable to parse requirement: <nil>: Invalid value: "a/b/c": a qualified name '
        + NAME_REGEX_HINT
        + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
    )


def test_invalid_prefix_and_value_errors() -> None:
    assert bad_label_selector("app.kubernetes_io/name=web").startswith(
        'unable to parse requirement: <nil>: Invalid value: "app.kubernetes_io/name": prefix part a '
        "lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters"
    )
    assert bad_label_selector("a=b/c") == (
        'unable to parse requirement: values[0][a]: Invalid value: "b/c": ' + VALUE_REGEX_HINT
    )
    # Several value errors aggregate as "[e1, e2]"; indexes refer to the sorted value set.
    assert bad_label_selector("a in (z/z,b/b)") == (
        'unable to parse requirement: [values[0][a]: Invalid value: "b/b": '
        + VALUE_REGEX_HINT
        + ', values[1][a]: Invalid value: "z/z": '
        + VALUE_REGEX_HINT
        + "]"
    )


def test_key_and_value_validators() -> None:
    assert label_key_errors("app.kubernetes.io/name") == []
    assert label_key_errors("a" * 63) == []
    assert label_key_errors("a" * 64) == ["name part must be no more than 63 characters"]
    assert label_key_errors("/x") == ["prefix part must be non-empty"]
    assert label_key_errors("x/") == ["name part must be non-empty", "name part " + NAME_REGEX_HINT]
    assert label_value_errors("") == []
    assert label_value_errors("v" * 64) == ["must be no more than 63 characters"]
    assert label_value_errors("-x") == [VALUE_REGEX_HINT]


# --- selector maps and metav1.LabelSelector ----------------------------------------------------------


def test_selector_from_map() -> None:
    selector = selector_from_map({"tier": "db", "app": "api"})
    assert str(selector) == "app=api,tier=db"
    assert selector.matches({"app": "api", "tier": "db", "x": "y"})
    assert not selector.matches({"app": "api"})
    assert selector_from_map({}).empty
    assert selector_from_map(None).empty


def test_label_selector_from_spec() -> None:
    spec = {
        "matchLabels": {"app": "api"},
        "matchExpressions": [
            {"key": "tier", "operator": "In", "values": ["b", "a"]},
            {"key": "canary", "operator": "DoesNotExist"},
            {"key": "zone", "operator": "Exists", "values": []},
            {"key": "env", "operator": "NotIn", "values": ["dev"]},
        ],
    }
    selector = label_selector_from_spec(spec)
    assert str(selector) == "app=api,!canary,env notin (dev),tier in (a,b),zone"
    assert selector.matches({"app": "api", "tier": "a", "zone": "z1"})
    assert not selector.matches({"app": "api", "tier": "a", "zone": "z1", "canary": "y"})
    assert parse_label_selector(str(selector)) == selector


def test_nil_spec_selects_nothing_and_empty_spec_everything() -> None:
    assert label_selector_from_spec(None) == NOTHING
    assert not label_selector_from_spec(None).matches({})
    assert label_selector_from_spec({}) == EVERYTHING
    assert label_selector_from_spec({"matchLabels": {}, "matchExpressions": []}).matches({"a": "b"})


def test_invalid_operator_is_a_422_with_field_causes() -> None:
    spec = {"matchExpressions": [{"key": "tier", "operator": "Foo", "values": ["a"]}]}
    with pytest.raises(SandboxApiError) as info:
        label_selector_from_spec(spec, kind="Deployment", group="apps", name="api")
    err = info.value
    assert (err.code, err.reason) == (422, "Invalid")
    assert err.message == (
        'Deployment.apps "api" is invalid: spec.selector.matchExpressions[0].operator: '
        'Invalid value: "Foo": not a valid selector operator'
    )
    assert err.details == {
        "name": "api",
        "group": "apps",
        "kind": "Deployment",
        "causes": [
            {
                "reason": "FieldValueInvalid",
                "message": 'Invalid value: "Foo": not a valid selector operator',
                "field": "spec.selector.matchExpressions[0].operator",
            }
        ],
    }
    assert err.to_status()["code"] == 422


def test_missing_and_forbidden_values_and_several_errors() -> None:
    spec = {
        "matchLabels": {"app": "bad value"},
        "matchExpressions": [
            {"key": "tier", "operator": "In"},
            {"key": "zone", "operator": "Exists", "values": ["a"]},
        ],
    }
    causes = label_selector_causes(spec, field_path="spec.jobTemplate.spec.selector")
    assert [(c["reason"], c["field"]) for c in causes] == [
        ("FieldValueInvalid", "spec.jobTemplate.spec.selector.matchLabels"),
        ("FieldValueRequired", "spec.jobTemplate.spec.selector.matchExpressions[0].values"),
        ("FieldValueForbidden", "spec.jobTemplate.spec.selector.matchExpressions[1].values"),
    ]
    assert causes[1]["message"] == "Required value: must be specified when `operator` is 'In' or 'NotIn'"
    assert causes[2]["message"] == (
        "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"
    )
    with pytest.raises(SandboxApiError) as info:
        label_selector_from_spec(spec, kind="Pod", name="p")
    assert info.value.message.startswith('Pod "p" is invalid: [spec.selector.matchLabels: Invalid value: ')
    assert info.value.message.endswith("'Exists' or 'DoesNotExist']")
    assert "group" not in info.value.details


def test_bad_key_and_malformed_spec() -> None:
    causes = label_selector_causes({"matchExpressions": [{"key": "a/b/c", "operator": "Exists"}]})
    assert causes == [
        {
            "reason": "FieldValueInvalid",
            "field": "spec.selector.matchExpressions[0].key",
            "message": 'Invalid value: "a/b/c": a qualified name '
            + NAME_REGEX_HINT
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
        }
    ]
    assert label_selector_causes("app=api")[0]["message"] == 'Invalid value: "app=api": must be an object'
    assert label_selector_causes({"matchExpressions": {"key": "x"}})[0]["field"] == (
        "spec.selector.matchExpressions"
    )
    with pytest.raises(SandboxApiError) as info:
        label_selector_from_spec({"matchLabels": {"app": 1}})
    assert info.value.message == "spec.selector.matchLabels: Invalid value: 1: must be a string"


# --- field selectors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "requirements"),
    [
        ("", ()),
        ("metadata.name=api", (("metadata.name", "=", "api"),)),
        ("metadata.name==api", (("metadata.name", "=", "api"),)),
        ("status.phase!=Failed", (("status.phase", "!=", "Failed"),)),
        ("involvedObject.namespace=", (("involvedObject.namespace", "=", ""),)),
        ("a=b,,c=d", (("a", "=", "b"), ("c", "=", "d"))),
        ("x=a\\,b", (("x", "=", "a,b"),)),
        ("x=a\\=b\\\\", (("x", "=", "a=b\\"),)),
        ("x=a!b", (("x", "=", "a!b"),)),
        ("=", ()),
        ("=v", (("", "=", "v"),)),
    ],
)
def test_field_selector_forms(text: str, requirements: tuple[tuple[str, str, str], ...]) -> None:
    assert parse_field_selector(text).requirements == requirements


def test_describe_node_query_sorts_terms_and_round_trips() -> None:
    text = "spec.nodeName=node-1,status.phase!=Failed,status.phase!=Succeeded"
    selector = parse_field_selector(text)
    assert selector.fields() == {"spec.nodeName", "status.phase"}
    assert selector.matches({"spec.nodeName": "node-1", "status.phase": "Running"})
    assert not selector.matches({"spec.nodeName": "node-1", "status.phase": "Failed"})
    assert not selector.matches({"spec.nodeName": "node-2", "status.phase": "Running"})
    # A missing field compares as the empty string.
    assert parse_field_selector("status.phase!=Failed").matches({})
    assert parse_field_selector("involvedObject.namespace=").matches({})
    unsorted = parse_field_selector("status.phase!=Failed,a==b,x=c\\,d")
    assert str(unsorted) == "a=b,status.phase!=Failed,x=c\\,d"
    assert parse_field_selector(str(unsorted)) == unsorted


def test_field_selector_helpers() -> None:
    selector = parse_field_selector("metadata.name=api,metadata.namespace!=kube-system")
    assert selector.requires_exact_match("metadata.name") == "api"
    assert selector.requires_exact_match("metadata.namespace") is None
    assert FieldSelector().empty
    assert not selector.empty
    assert escape_field_value("a\\b,c=d") == "a\\\\b\\,c\\=d"
    assert hash(selector) == hash(parse_field_selector("metadata.namespace!=kube-system,metadata.name=api"))
    assert isinstance(parse_label_selector(""), LabelSelector)


def test_field_selector_renamed_for_a_view_of_another_kind() -> None:
    selector = parse_field_selector("regarding.name=api,type=Warning")
    renamed = selector.renamed({"regarding.name": "involvedObject.name"})
    assert renamed.requirements == (("involvedObject.name", "=", "api"), ("type", "=", "Warning"))
    assert renamed.matches({"involvedObject.name": "api", "type": "Warning"})
    assert selector.requirements[0] == ("regarding.name", "=", "api")  # the original is unchanged


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("foo", "invalid selector: 'foo'; can't understand 'foo'"),
        ("a=b,foo", "invalid selector: 'a=b,foo'; can't understand 'foo'"),
        ("a=b=c", "invalid field selector: unescaped character in value: 61"),
        ("a=b\\x", "invalid field selector: invalid escape sequence: \\x"),
        ("a=b\\!", "invalid field selector: invalid escape sequence: \\!"),
        ("a=b\\", "invalid field selector: invalid escape sequence: \\"),
    ],
)
def test_field_selector_errors(text: str, message: str) -> None:
    with pytest.raises(SandboxApiError) as info:
        parse_field_selector(text)
    assert (info.value.code, info.value.reason, info.value.message) == (400, "BadRequest", message)
