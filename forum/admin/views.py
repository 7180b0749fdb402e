from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from forum.admin.forms import CategoryForm
from forum.extensions import db
from forum.models import Category, Visibility
from forum.permissions import guardian
from forum.services import Refused, categories
from forum.web import whole_number

bp = Blueprint("admin", __name__, url_prefix="/admin")
LISTS = ("allowed_domains", "allowed_companies", "allowed_plans", "allowed_claims")


@bp.before_request
@login_required
def _admins_only():
    guardian().ensure(guardian().can_manage_categories())


def _all() -> list[Category]:
    return list(db.session.scalars(db.select(Category).order_by(Category.position, Category.name)))


def _form_of(category: Category) -> CategoryForm:
    form = CategoryForm(formdata=None, obj=category)
    form.id.data = str(category.id)
    for name in LISTS:
        form[name].data = "\n".join(getattr(category, name) or [])
    return form


def _render(new_form: CategoryForm | None = None, failed: CategoryForm | None = None, status: int = 200):
    found = _all()
    forms = {c.id: _form_of(c) for c in found}
    if failed is not None and failed.id.data:
        forms[int(failed.id.data)] = failed
    return render_template(
        "admin/categories.html",
        categories=found,
        forms=forms,
        new_form=new_form or CategoryForm(formdata=None),
        failed_id=int(failed.id.data) if failed is not None and failed.id.data else None,
    ), status


@bp.get("/categories")
def category_list():
    return _render()


@bp.post("/categories")
def save_category():
    # Without `id`, a new category; with it, that category changed. Every form of the page sends the
    # same field names (name, visibility, allowed_domains ...).
    form = CategoryForm()
    category = None
    if form.id.data:
        category_id = whole_number(form.id.data, 1, 2**31 - 1)
        category = db.session.get(Category, category_id) if category_id is not None else None
        if category is None:
            form.form_errors.append("That category no longer exists; your text is below, to create it anew.")
            form.id.data = ""
            return _keep(form, 404)
    if not form.validate():
        return _keep(form, 422)
    audience, problems = categories.read_audience(*(form[name].data or "" for name in LISTS))
    for name, problem in problems.items():
        form[name].errors = [*form[name].errors, problem]
    if problems:
        return _keep(form, 422)
    try:
        saved = categories.save_category(
            current_user, category, name=form.name.data, description=form.description.data or "",
            visibility=Visibility(form.visibility.data), audience=audience,
        )  # fmt: skip
    except Refused as refusal:
        db.session.rollback()
        form.visibility.errors = [refusal.description]
        return _keep(form, 422)
    db.session.commit()
    label = Visibility(saved.visibility).label.lower()
    flash(f"“{saved.name}” is saved; its posts are visible to: {label}." if category is not None
          else f"“{saved.name}” is created; its posts are visible to: {label}.", "success")  # fmt: skip
    return redirect(url_for("admin.category_list", _anchor=f"category-{saved.id}"), 303)


def _keep(form: CategoryForm, status: int):
    """The page again, the typed values in the form that was sent, its problems beside its fields."""
    if form.id.data:
        return _render(failed=form, status=status)
    return _render(new_form=form, status=status)
