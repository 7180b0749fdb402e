"""The second ceiling: Flask + Jinja rendering a 20-item list page from memory, no database.

The page has the shape of our home list (layout, a macro per card, a filter form, a link per item),
so "our home list at N% of this" measures what the database, sessions and our own code cost."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import Flask, render_template

app = Flask(__name__, template_folder=str(Path(__file__).parent / "templates"))
NOW = datetime.now(UTC)
ITEMS = [
    {
        "id": n,
        "title": f"Let me export invoices to CSV, idea number {n}",
        "slug": f"let-me-export-invoices-to-csv-idea-number-{n}",
        "votes": 1000 - n * 37,
        "comments": n * 3,
        "status": "open" if n % 3 else "planned",
        "category": "Invoicing",
        "author": f"Member {n}",
        "created_at": NOW - timedelta(days=n),
    }
    for n in range(1, 21)
]


@app.get("/")
def index():
    return render_template("list.html", items=ITEMS, sorts=["trending", "top", "new", "active"], sort="trending")
