"""What drf-spectacular cannot infer from the serializers alone, so that the schema says exactly
what the API accepts (schemathesis checks both directions: tests/api/test_fuzz.py)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object


class StrictSerializerExtension(OpenApiSerializerExtension):
    """api.serializers.StrictSerializer refuses unknown keys: say so with
    `additionalProperties: false`, or a generated client would believe extra keys are fine."""

    target_class = "api.serializers.StrictSerializer"
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        schema["additionalProperties"] = False
        return schema


def transition_body_any_of(result, generator, request, public):
    """POSTPROCESSING_HOOKS: the transition body is the shape of the transition named in the
    path. drf-spectacular writes `oneOf`, but `{}` fits several shapes (every field of them is
    optional), which `oneOf` forbids; `anyOf` says what the endpoint does."""
    schemas = result.get("components", {}).get("schemas", {})
    for name in ("TransitionBodyRequest", "LeadTransitionBodyRequest"):  # cases, leads
        body = schemas.get(name)
        if body and "oneOf" in body:
            body["anyOf"] = body.pop("oneOf")
    return result


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """accounts.tokens.ApiTokenAuthentication (knox): `Authorization: Token <token>`, the token
    from `POST /api/v1/auth/token/`. drf-spectacular's own knox extension matches knox's class
    only, not a subclass."""

    target_class = "accounts.tokens.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        scheme = build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=self.target.authenticate_header(None)
        )
        scheme["description"] = (
            'Header "Authorization: Token <token>", the token from POST /api/v1/auth/token/ '
            "(one per device name, expires after 30 days by default; list and revoke them at "
            "/api/v1/auth/tokens/)."
        )
        return scheme
