"""Admins' page for statuses: add, rename, recolour, reorder, archive (moving the posts that hold
the status) and restore. Plain forms; each POST answers with a redirect, or the page again with what
to fix and what was typed."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum.extensions import db
from forum.models import PALETTE, PostStatus, statuses
from forum.models.taxonomy import CHOOSABLE_KINDS
from forum.permissions import guardian
from forum.services import Refused
from forum.services import statuses as status_service

bp = Blueprint("statuses", __name__, url_prefix="/admin/statuses")


@bp.before_request
@login_required
def _admins_only():
    guardian().ensure(guardian().can_manage_statuses())


def _render(problem: str | None = None, *, typed: dict | None = None, row_id: int | None = None, status: int = 200):
    """The page; `typed` is what was sent with a refused form (shown again in that form)."""
    return render_template(
        "statuses/index.html",
        rows=status_service.all_rows(),
        counts=status_service.counts(),
        kinds=CHOOSABLE_KINDS,
        palette=PALETTE,
        problem=problem,
        typed=typed or {},
        row_id=row_id,
        current=statuses().current,
    ), status


def _fields() -> dict:
    return {
        "label": request.form.get("label", ""),
        "kind": request.form.get("kind", ""),
        "color": request.form.get("color", ""),
        "show_on_roadmap": request.form.get("show_on_roadmap") in ("1", "on", "y", "true"),
    }


def _load(status_id: int) -> PostStatus:
    return db.get_or_404(PostStatus, status_id)


@bp.get("")
def index():
    return _render()


@bp.post("")
def create():
    fields = _fields()
    try:
        status = status_service.create_status(current_user, **fields)
    except Refused as refusal:
        db.session.rollback()
        return _render(refusal.description, typed=fields, status=422)
    db.session.commit()
    flash(f"“{status.label}” is added. Staff can give it to posts now.", "success")
    return redirect(url_for("statuses.index"), 303)


@bp.post("/<int:status_id>")
def edit(status_id: int):
    status = _load(status_id)
    fields = _fields()
    try:
        changed = status_service.edit_status(current_user, status, **fields)
    except Refused as refusal:
        db.session.rollback()
        return _render(refusal.description, typed=fields, row_id=status_id, status=422)
    db.session.commit()
    flash(f"“{status.label}” is saved." if changed else "Nothing changed.", "success" if changed else "info")
    return redirect(url_for("statuses.index", _anchor=f"status-{status.id}"), 303)


@bp.post("/<int:status_id>/move")
def move(status_id: int):
    status = _load(status_id)
    try:
        status_service.reorder(current_user, status, request.form.get("direction", ""))
    except Refused as refusal:
        db.session.rollback()
        return _render(refusal.description, row_id=status_id, status=422)
    db.session.commit()
    return redirect(url_for("statuses.index", _anchor=f"status-{status.id}"), 303)


@bp.post("/<int:status_id>/archive")
def archive(status_id: int):
    status = _load(status_id)
    try:
        moved = status_service.archive(current_user, status, request.form.get("move_to") or None)
    except Refused as refusal:
        db.session.rollback()
        return _render(refusal.description, row_id=status_id, status=422)
    db.session.commit()
    target = statuses().get(request.form.get("move_to", "")).label if moved else ""
    told = f" Its {moved} post{'' if moved == 1 else 's'} moved to {target}." if moved else ""
    flash(f"“{status.label}” is archived.{told}", "success")
    return redirect(url_for("statuses.index"), 303)


@bp.post("/<int:status_id>/restore")
def restore(status_id: int):
    status = _load(status_id)
    try:
        status_service.restore(current_user, status)
    except Refused as refusal:
        db.session.rollback()
        return _render(refusal.description, row_id=status_id, status=422)
    db.session.commit()
    flash(f"“{status.label}” is back: staff can give it to posts again.", "success")
    return redirect(url_for("statuses.index", _anchor=f"status-{status.id}"), 303)
