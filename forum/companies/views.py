from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField

from forum.extensions import db
from forum.models import CompanyImport
from forum.permissions import guardian
from forum.posts.views import MAX_ID
from forum.services import companies

bp = Blueprint("companies", __name__, url_prefix="/admin/companies")


class ImportForm(FlaskForm):
    file = FileField("CSV file")


@bp.before_request
@login_required
def _staff_only():
    guardian().ensure(guardian().can_see_companies())


@bp.get("")
def index():
    return render_template("companies/index.html", rows=companies.with_member_counts())


@bp.route("/import", methods=["GET", "POST"])
def upload():
    guardian().ensure(guardian().can_import_companies())
    form = ImportForm()
    problem = None
    if form.validate_on_submit():
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            problem = "Choose a CSV file to upload."
        else:
            try:
                pending = companies.start_import(current_user, upload.filename, upload.read())
            except companies.ImportRefused as refusal:
                problem = str(refusal)
            else:
                db.session.commit()
                return redirect(url_for("companies.review", import_id=pending.id), 303)
    status = 400 if problem else (422 if form.is_submitted() else 200)
    return render_template("companies/import.html", form=form, problem=problem), status


def _pending(import_id: int) -> CompanyImport:
    if import_id > MAX_ID:
        abort(404)
    return db.get_or_404(CompanyImport, import_id)


@bp.get("/import/<int:import_id>")
def review(import_id: int):
    guardian().ensure(guardian().can_import_companies())
    pending = _pending(import_id)
    return render_template(
        "companies/preview.html", pending=pending, preview=companies.preview(pending), form=ImportForm()
    )


@bp.post("/import/<int:import_id>")
def apply(import_id: int):
    guardian().ensure(guardian().can_import_companies())
    pending = _pending(import_id)
    try:
        done = companies.apply_import(current_user, pending)
    except companies.AlreadyApplied:
        flash("That import was applied already; nothing was done twice.", "info")
        return redirect(url_for("companies.index"), 303)
    db.session.commit()
    flash(
        f"Imported {pending.filename}: {len(done.created)} created, {len(done.updated)} updated, "
        f"{len(done.unchanged)} unchanged, {len(done.rejected)} rows refused.",
        "success",
    )
    return redirect(url_for("companies.index"), 303)
