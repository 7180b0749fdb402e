"""/admin/webhooks: endpoints, their secrets and their delivery logs (admins only)."""

from datetime import timedelta

from flask import Blueprint, abort, flash, make_response, redirect, render_template, url_for
from flask_login import current_user, login_required

from forum.extensions import db
from forum.models import WebhookDelivery, WebhookEndpoint
from forum.permissions import guardian
from forum.services import webhooks
from forum.webhooks.forms import EndpointForm, RotateForm
from forum.webhooks.transport import UnsafeTarget

bp = Blueprint("webhooks", __name__, url_prefix="/admin/webhooks")
MAX_ID = 2**31 - 1


@bp.before_request
@login_required
def _admins_only():
    guardian().ensure(guardian().can_manage_webhooks())


def load_endpoint(endpoint_id: int) -> WebhookEndpoint:
    endpoint = db.session.get(WebhookEndpoint, endpoint_id) if endpoint_id <= MAX_ID else None
    if endpoint is None or endpoint.deleted_at is not None:
        abort(404)
    return endpoint


def _secret_page(endpoint: WebhookEndpoint, secret: str, rotated: bool = False):
    """The secret, shown this once: the page is never stored by a browser or a proxy."""
    response = make_response(render_template("webhooks/secret.html", endpoint=endpoint, secret=secret, rotated=rotated))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("")
def index():
    return render_template("webhooks/index.html", endpoints=webhooks.endpoints(), form=EndpointForm())


@bp.post("")
def create():
    form = EndpointForm()
    if form.validate_on_submit():
        try:
            endpoint, secret = webhooks.create_endpoint(
                current_user, form.url.data, form.events.data, form.type.data, form.enabled.data
            )
        except UnsafeTarget as refused:
            form.url.errors.append(str(refused))
        else:
            db.session.commit()
            return _secret_page(endpoint, secret)
    return render_template("webhooks/index.html", endpoints=webhooks.endpoints(), form=form), 422


@bp.get("/<int:endpoint_id>")
def show(endpoint_id: int):
    endpoint = load_endpoint(endpoint_id)
    form = EndpointForm(formdata=None, obj=endpoint, data={"events": endpoint.events, "type": str(endpoint.type)})
    return _show(endpoint, form)


def _show(endpoint: WebhookEndpoint, form: EndpointForm, status: int = 200):
    return render_template(
        "webhooks/show.html",
        endpoint=endpoint,
        form=form,
        rotate_form=RotateForm(),
        deliveries=webhooks.deliveries(endpoint),
        grace_active=webhooks.grace_active(endpoint),
    ), status


@bp.post("/<int:endpoint_id>/edit")
def edit(endpoint_id: int):
    endpoint = load_endpoint(endpoint_id)
    form = EndpointForm()
    if form.validate_on_submit():
        try:
            changed = webhooks.update_endpoint(current_user, endpoint, url=form.url.data, events=form.events.data,
                                               type_=form.type.data, enabled=form.enabled.data)  # fmt: skip
        except UnsafeTarget as refused:
            form.url.errors.append(str(refused))
        else:
            db.session.commit()
            flash("Endpoint saved." if changed else "Nothing to change.", "success")
            return redirect(url_for("webhooks.show", endpoint_id=endpoint.id), 303)
    db.session.rollback()
    return _show(endpoint, form, 422)


@bp.post("/<int:endpoint_id>/delete")
def delete(endpoint_id: int):
    endpoint = load_endpoint(endpoint_id)
    webhooks.delete_endpoint(current_user, endpoint)
    db.session.commit()
    flash(f"Endpoint {endpoint.url} deleted: nothing more is sent to it.", "success")
    return redirect(url_for("webhooks.index"), 303)


@bp.post("/<int:endpoint_id>/rotate")
def rotate(endpoint_id: int):
    endpoint = load_endpoint(endpoint_id)
    form = RotateForm()
    if not form.validate_on_submit():
        flash(" ".join(form.grace_hours.errors) or "The form expired: try again.", "error")
        settings = EndpointForm(formdata=None, obj=endpoint, data={"events": endpoint.events})
        return _show(endpoint, settings, 422)
    hours = 24 if form.grace_hours.data is None else form.grace_hours.data
    secret = webhooks.rotate_secret(current_user, endpoint, timedelta(hours=hours))
    db.session.commit()
    return _secret_page(endpoint, secret, rotated=True)


@bp.post("/<int:endpoint_id>/test")
def send_test(endpoint_id: int):
    endpoint = load_endpoint(endpoint_id)
    webhooks.send_test(current_user, endpoint)
    db.session.commit()
    flash("A test delivery is on its way: it appears in the log below.", "success")
    return redirect(url_for("webhooks.show", endpoint_id=endpoint.id), 303)


@bp.post("/<int:endpoint_id>/deliveries/<int:delivery_id>/redeliver")
def redeliver(endpoint_id: int, delivery_id: int):
    endpoint = load_endpoint(endpoint_id)
    delivery = db.session.get(WebhookDelivery, delivery_id) if delivery_id <= MAX_ID else None
    if delivery is None or delivery.endpoint_id != endpoint.id:
        abort(404)
    webhooks.redeliver(current_user, delivery)
    db.session.commit()
    flash(f"Delivery {delivery.message_id} queued again.", "success")
    return redirect(url_for("webhooks.show", endpoint_id=endpoint.id), 303)
