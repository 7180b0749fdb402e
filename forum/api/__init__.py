"""The public REST API under /api/v1/: JSON only, Bearer keys with scopes (auth.py), the OpenAPI
document generated from the views' pydantic models by spectree (views.py), and the admin page
for keys (admin.py). Every route calls the same services the pages call, and asks the same
Guardian and `forum.visibility.visible_posts` who may see what."""

API_PREFIX = "/api/v1/"

ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
}


def is_api_request() -> bool:
    from flask import has_request_context, request

    return has_request_context() and request.path.startswith(API_PREFIX)


def error_reply(status: int, message: str, headers: dict | None = None):
    """The API's one error shape, for errors raised anywhere in a request under /api/v1/
    (forum/web.py sends its error pages here for those requests)."""
    from forum.api.views import error_body

    return error_body(status, ERROR_CODES.get(status, "error"), message, headers)


def init_app(app) -> None:
    from forum.api.admin import bp as admin_bp
    from forum.api.auth import ApiError
    from forum.api.views import bp, docs_bp, error_body

    app.register_blueprint(bp)
    app.register_blueprint(docs_bp)
    app.register_blueprint(admin_bp)
    app.register_error_handler(ApiError, lambda e: error_body(e.status, e.code, e.message, e.headers))
