# Schemathesis hooks for .ci/contract-fuzz (loaded through SCHEMATHESIS_HOOKS).
#
# docs/openapi.yaml is meant to say exactly what the server accepts. A few answers depend on the
# server's state, which no JSON Schema can express; a generator that knows only the document
# cannot avoid them, so their "schema-valid request rejected" (positive_data_acceptance) reports
# are dropped here, each only in its exact documented form (status and problem `errors` codes).
# Anything else still fails the run. The run's summary counts what was dropped.
import re

import schemathesis

# CPython 3.11's ast.parse can fail with "AST constructor recursion depth mismatch" deep in a
# stack, and hypothesis parses a lambda's source only to name it in a strategy's repr: a plain
# name instead keeps that interpreter bug from ending a run as an "error".
try:
    from hypothesis.internal import lambda_sources

    lambda_sources._lambda_description = lambda f, *args, **kwargs: "lambda: ..."
except Exception:  # another hypothesis: its own description code runs
    pass

# `wait` is up to 30 s of long polling on GET /v1/changes; a generated `30` would hold a worker
# (and hit the client's timeout). Valid values are shortened, invalid ones are left alone so
# the server's 400 for them is still tested.
WAIT = re.compile(r"^(?:[0-2]?[0-9](?:\.[0-9]{1,3})?|30(?:\.0{1,3})?)$")
SHORT_WAIT = "0.05"


@schemathesis.hook
def before_call(context, case, kwargs):
    # The stateful phase can carry a number from a response into a header (`X-Request-Id: 7`),
    # which the HTTP client refuses to send at all; send its text, as any client would.
    headers = case.headers
    if headers:
        for name, value in list(headers.items()):
            if not isinstance(value, (str, bytes)):
                headers[name] = str(value)
    query = case.query
    if query and isinstance(query.get("wait"), str) and WAIT.match(query["wait"]) and float(query["wait"]) > 0.05:
        query["wait"] = SHORT_WAIT


def _errors(response):
    try:
        body = response.json()
    except Exception:
        return None
    if not isinstance(body, dict) or not isinstance(body.get("errors"), list) or not body["errors"]:
        return None
    return [(e.get("field", ""), e.get("code", "")) for e in body["errors"] if isinstance(e, dict)]


def _value_at(body, path):
    """The request body's value at a problem's field path (`items[1].unit_amount`), or None."""
    value = body
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", path):
        if index:
            if not isinstance(value, list) or int(index) >= len(value):
                return None
            value = value[int(index)]
        elif isinstance(value, dict) and name in value:
            value = value[name]
        else:
            return None
    return value


# (operation label or None for any, field, code) of 422s that rules across fields or records
# decide: the document states them in prose, a JSON Schema cannot.
CROSS_FIELD_422 = {
    (None, "customer_id", "not_found"),  # references name live records
    (None, "ticket_id", "not_found"),
    (None, "opportunity_id", "not_found"),
    (None, "pipeline_id", "not_found"),
    (None, "webhook_id", "not_found"),
    (None, "from", "not_found"),  # merge: the customers to merge exist
    (None, "account_id", "not_found"),  # a person's account is a live company other than itself
    (None, "account_id", "not_a_company"),
    (None, "account_id", "self_reference"),
    (None, "account_id", "not_allowed"),  # a company has no account
    (None, "type", "has_contacts"),  # a company with contacts stays a company
    ("POST /v1/feedback", "score", "not_allowed"),  # praise and complaints take no score
    ("PATCH /v1/feedback/{id}", "score", "not_allowed"),
    (None, "customer_id", "erased"),  # an erased customer takes no new records
    (None, "ticket_id", "other_customer"),  # a linked record belongs to the same customer
    (None, "opportunity_id", "other_customer"),
    (None, "Idempotency-Key", "reused"),  # remembered for 24 h, per API key
    (None, "stage", "invalid_enum"),  # a stage of the opportunity's pipeline
    (None, "lost_reason", "required"),  # moving to a lost stage needs a reason
    ("POST /v1/feedback", "score", "out_of_range"),  # the range depends on `kind`
    ("PATCH /v1/feedback/{id}", "score", "out_of_range"),
    (None, "schedule", "invalid"),  # only schedule.daily takes a schedule
    (None, "schedule", "required"),  # and schedule.daily needs one
    ("POST /v1/feedback", "score", "required"),  # nps, csat and ces need a score
    (None, "stages", "invalid"),  # a pipeline has at least one open stage
    (None, "stages[].key", "duplicate"),  # stage keys are unique within a pipeline
    (None, "schedule.days", "out_of_range"),  # the days a daily selection needs depend on `select`
    # `url` must be an absolute http(s) URL whose host is a name or a well-formed address:
    # the document's pattern only says http(s) and visible ASCII.
    ("POST /v1/webhooks", "url", "invalid_url"),
    ("PATCH /v1/webhooks/{id}", "url", "invalid_url"),
    # Custom field definitions: options go with (and only with) an enum, and a type change is
    # refused while stored values would not fit it.
    (None, "options", "required"),
    (None, "options", "invalid"),
    ("PATCH /v1/fields/{key}", "type", "incompatible"),
    # A birthday is not after tomorrow: a bound that moves with the clock, which a JSON Schema
    # cannot state (the document says it in prose).
    (None, "birthday", "in_future"),
    # PUT by external id creates (type and name required) or updates (nothing required).
    ("PUT /v1/customers/by-external-id/{external_id}", "type", "required"),
    ("PUT /v1/customers/by-external-id/{external_id}", "name", "required"),
}
# Rule trees: which fields a rule may test depends on the automation's trigger (or on the
# customer fields for segments), and the value's shape on the operator.
RULE_CODES = {"unknown_field", "invalid_value", "invalid_operator", "unsupported_operator"}


def _cross_field_422(case, field, code):
    label = f"{case.method.upper()} {case.path}"
    plain = re.sub(r"\[\d+\]", "[]", field)
    if (None, plain, code) in CROSS_FIELD_422 or (label, plain, code) in CROSS_FIELD_422:
        return True
    # A pipeline stage that is won is closed.
    if re.fullmatch(r"stages\[\]\.(won|closed)", plain) and code == "invalid":
        return True
    # An automation's `set_field` names a field of the trigger's record.
    if (plain.startswith("conditions") or plain.startswith("rules") or plain.startswith("actions")) and code in RULE_CODES:
        return True
    # `set_field`'s value is checked against the field it names, whatever its type.
    if re.fullmatch(r"actions\[\]\.(value|field)", plain) and code in {"invalid_type", "read_only", "invalid_enum", "out_of_range",
                                                                    "invalid_format", "invalid_reference", "required"}:
        return True
    # A `webhook` action names a live webhook.
    if plain == "actions[].webhook_id" and code == "not_found":
        return True
    # Custom attributes are checked against the definitions that exist when the write is made.
    if plain.startswith("attributes.") and code in {"invalid_type", "required"}:
        return True
    # An attribute's string value must not hold control characters other than tab, LF and CR: the
    # document says so with a pattern on `additionalProperties`, which schemathesis's generator
    # does not always honour there. Dropped only when the value sent really holds one.
    if plain.startswith("attributes.") and code == "invalid_characters" and isinstance(case.body, dict):
        value = (case.body.get("attributes") or {}).get(plain[len("attributes."):])
        if isinstance(value, str) and any(ord(c) < 0x20 and c not in "\t\n\r" for c in value):
            return True
    # A number a 64-bit float would not keep as written is refused wherever it is, naming the
    # member it is in (documented in the conventions); JSON Schema has no such bound.
    if code == "inexact_number":
        return True
    # An SLA policy's first response is due no later than its resolution (said in prose).
    match = re.fullmatch(r"(urgent|high|normal|low)\.first_response_minutes", plain)
    if match and code == "out_of_range" and isinstance(case.body, dict):
        policy = case.body.get(match.group(1)) or {}
        first, resolution = policy.get("first_response_minutes"), policy.get("resolution_minutes")
        if isinstance(first, int) and isinstance(resolution, int) and first > resolution:
            return True
    # `integer` fields take integers written without a fraction: `2.0` is refused on purpose
    # (see the document's conventions), while JSON Schema counts it as an integer.
    return _integral_float(case, field)


def _integral_float(case, field):
    value = _value_at(case.body, field) if isinstance(case.body, (dict, list)) else None
    values = value if isinstance(value, list) else [value]
    return any(isinstance(v, float) and v.is_integer() for v in values)


def _has_empty_item(case, name):
    """Whether a comma-separated filter value reached the server with an empty item.

    The document's item patterns exclude commas and blank items, yet schemathesis 4 sometimes
    sends an item that starts or ends with one (a serialised list `,x,y`), which the server
    splits into an empty item and refuses (400 naming the parameter), as documented.
    """
    value = (case.query or {}).get(name)
    items = value if isinstance(value, list) else [value]
    return any(isinstance(item, str) and (item == "" or item.startswith(",") or item.endswith(",") or ",," in item)
               for item in items)


def _state_dependent(case, response):
    """Whether a rejection of schema-valid data is one the document says no schema expresses."""
    status = response.status_code
    if status == 412:
        # If-Match must name the record's current version, and If-None-Match must not (nor `*`
        # while the record exists), which a generator cannot know.
        return any(name.lower() in ("if-match", "if-none-match") for name in (case.headers or {}))
    errors = _errors(response)
    if not errors:
        return False
    if status == 400:
        # `cursor` is only valid as the server issued it (tamper-evident, bound to sort and
        # filters); `to` must not be before `from`; a CSV header names each column once; the
        # change feed's `after` must not be past its newest seq.
        return all(
            (field == "cursor" and code == "invalid")
            or (field == "after" and code == "invalid_value" and case.path == "/v1/changes")
            or (field == "to" and code == "invalid")
            or code == "duplicate_column"
            or _integral_float(case, field)
            or (code == "invalid_value" and _has_empty_item(case, field))
            for field, code in errors)
    if status == 422:
        return all(_cross_field_422(case, field, code) for field, code in errors)
    return False


@schemathesis.hook
def filter_failure(context, failure, case, response):
    if response is None:
        return True
    if failure.code == "ST202" and _state_dependent(case, response):
        return False
    # Invalid data refused with 412: the If-Match precondition is checked before the body.
    if failure.code == "ST201" and response.status_code == 412:
        return False
    # PUT by external id updates an existing customer without `type` or `name` (CustomerUpsert
    # requires nothing; they are required only when it creates); schemathesis 4.32 reports
    # "missing required property" for them anyway, apparently carrying POST /v1/customers'
    # requirement over. Only that exact report is dropped.
    text = str(getattr(failure, "message", failure))
    if (failure.code == "ST201" and case.method.upper() == "PUT" and case.path == "/v1/customers/by-external-id/{external_id}"
            and response.status_code == 200 and "required property" in text.lower() and ("name" in text or "type" in text)):
        return False
    return True
