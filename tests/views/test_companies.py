"""Companies for staff (/admin/companies) and the admins' CSV import: preview, refused rows with their
reasons, confirmation, audit."""

import io
import re
from decimal import Decimal
from html import unescape

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import AuditEntry, Company, CompanyImport, CompanyMember, Role
from forum.services import companies

CSV = (
    "external_id,name,plan,monthly_revenue,region,seats\n"
    'acme,Acme Corp,enterprise,"12,500.50",EU,40\n'
    "globex,Globex,starter,99,US,\n"
    ",No id,pro,10,EU,1\n"
    "initech,Initech,pro,lots,EU,3\n"
    "acme,Acme again,pro,1,EU,2\n"
    "hooli,Hooli,pro,-5,US,9\n"
    "short,row\n"
)


def upload(send, data: bytes | str, filename="companies.csv"):
    body = data.encode() if isinstance(data, str) else data
    return send("/admin/companies/import", {"file": (io.BytesIO(body), filename)}, content_type="multipart/form-data")


@pytest.fixture
def admin(make_user, login_as):
    return login_as(make_user(Role.ADMIN, name="Ada Admin"))


def text_of(response) -> str:
    return re.sub(r"\s+", " ", unescape(response.get_data(as_text=True)))


def test_the_preview_lists_what_will_change_and_each_refused_row(client, admin, send):
    db.session.add(Company(external_id="globex", name="Globex", plan="free", attributes={}))
    db.session.commit()

    response = upload(send, CSV)
    assert response.status_code == 303
    page = client.get(response.location)
    text = text_of(page)
    assert "1 to create, 1 to update, 0 unchanged, 5 refused" in text
    assert "plan: free → starter" in text
    for reason in (
        "external_id is missing",
        "monthly revenue “lots” is not an amount",
        "the same external_id as line 2",
        "monthly revenue “-5” is not an amount",
        "2 cells where the first line names 6 columns",
    ):
        assert reason in text, reason
    # Nothing is recorded before the confirmation.
    assert db.session.scalar(select(func.count()).select_from(Company)) == 1
    assert db.session.get(Company, 1).plan == "free"


def test_confirming_applies_the_rows_once_and_audits_it(client, admin, send):
    preview = upload(send, CSV).location
    import_id = int(preview.rsplit("/", 1)[1])
    response = send(f"/admin/companies/import/{import_id}")
    assert response.status_code == 303

    acme = companies.find("acme")
    assert (acme.name, acme.plan, acme.monthly_revenue) == ("Acme Corp", "enterprise", Decimal("12500.50"))
    assert acme.attributes == {"region": "EU", "seats": "40"}
    assert companies.find("globex").attributes == {"region": "US"}  # an empty cell sets nothing
    assert companies.find("initech") is None and companies.find("hooli") is None
    entry = db.session.scalars(select(AuditEntry)).one()
    assert (entry.action, entry.target_type, entry.actor_id) == ("import", "companies", admin.id)
    assert entry.after["created"] == 2 and entry.after["rejected"] == 5

    listing = text_of(client.get("/admin/companies"))
    assert "Acme Corp" in listing and "12,500.50" in listing and "enterprise" in listing

    # A second press of the button (or a replayed form) does nothing twice.
    again = send(f"/admin/companies/import/{import_id}")
    assert again.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 1
    assert db.session.scalar(select(func.count()).select_from(Company)) == 2


def test_an_update_keeps_what_an_empty_cell_leaves_out(client, admin, send):
    db.session.add(
        Company(external_id="acme", name="Acme", plan="pro", monthly_revenue=Decimal(10), attributes={"tier": "1"})
    )
    db.session.commit()
    preview = upload(send, "external_id,name,plan,monthly_revenue,region\nacme,Acme Inc,,,EU\n").location
    send(preview.replace("http://localhost", ""))
    acme = companies.find("acme")
    assert (acme.name, acme.plan, acme.monthly_revenue) == ("Acme Inc", "pro", Decimal(10))
    assert acme.attributes == {"tier": "1", "region": "EU"}


@pytest.mark.parametrize(
    "data, words",
    [
        (b"\xff\xfe binary \x00 junk", "not UTF-8"),
        ("", "The file is empty"),
        ("id,company\n1,Acme\n", "“external_id” and “name” are missing"),
        ("external_id,name,name\n1,a,b\n", "the column “name” twice"),
        ('external_id,name\n"acme,Acme\n', None),
    ],
)
def test_a_file_that_is_no_csv_of_companies_is_refused_clearly(client, admin, send, data, words):
    response = upload(send, data)
    if words is None:  # an unclosed quote swallows the rest: a refused row, never a 500
        assert response.status_code in (303, 400)
        return
    assert response.status_code == 400
    assert words in text_of(response)
    assert db.session.scalar(select(func.count()).select_from(CompanyImport)) == 0


def test_no_file_chosen_is_said(client, admin, send):
    response = send("/admin/companies/import", {})
    assert response.status_code == 400
    assert "Choose a CSV file" in text_of(response)


def test_members_counts_and_staff_only(client, make_user, login_as):
    acme = Company(external_id="acme", name="Acme Corp", plan="enterprise", monthly_revenue=Decimal(500), attributes={})
    db.session.add(acme)
    db.session.flush()
    for _ in range(3):
        db.session.add(CompanyMember(user_id=make_user().id, company_id=acme.id))
    db.session.commit()

    login_as(make_user(Role.MEMBER))
    assert client.get("/admin/companies").status_code == 403
    login_as(make_user(Role.MODERATOR))
    assert client.get("/admin/companies").status_code == 403
    login_as(make_user(Role.STAFF))
    page = text_of(client.get("/admin/companies"))
    words = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "Acme Corp acme enterprise 500.00 3" in words
    assert "Import a CSV" not in page  # staff read; admins import
    assert client.get("/admin/companies/import").status_code == 403


def test_revenue_and_plans_never_reach_public_pages(client, make_post):
    db.session.add(
        Company(
            external_id="acme",
            name="Acme Unique Corp",
            plan="platinum-plan",
            monthly_revenue=Decimal("31337"),
            attributes={},
        )
    )
    db.session.commit()
    post = make_post()
    for url in ("/", f"/posts/{post.id}", "/roadmap", "/search?q=acme", "/login"):
        page = client.get(url).get_data(as_text=True)
        assert "Acme Unique Corp" not in page and "platinum-plan" not in page and "31337" not in page, url


def test_unknown_and_impossible_import_ids_are_404s(client, admin, send):
    for import_id in (999, 2**31, 10**30):
        assert client.get(f"/admin/companies/import/{import_id}").status_code == 404
        assert send(f"/admin/companies/import/{import_id}").status_code == 404
        assert send(f"/admin/sign-in/{import_id}", {}).status_code == 404
