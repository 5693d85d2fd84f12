import CRM

/// One invalid field of a request (API.md §1, "Errors"): `{"field","code","message"}`, plus the
/// id of the record holding a taken unique value. The edge uses the domain's own type, so a
/// domain issue reaches the client unchanged.
public typealias FieldError = FieldIssue
