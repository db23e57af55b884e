"""The full-text index beside search_document: tsvector + GIN on PostgreSQL, FTS5 + triggers on SQLite.

Both stay current by themselves on every insert, update and delete of search_document, so the
rest of the code writes documents with plain Django. On SQLite, a later migration that makes
Django rebuild search_document (most ALTERs do) drops the triggers and must create them again.
"""

from django.db import migrations


def words(column: str) -> str:
    """A column with punctuation turned into spaces, so `MUG-1` is the words `mug` and `1` (not `-1`)."""
    return f"regexp_replace({column}, '[[:punct:]]+', ' ', 'g')"


POSTGRES_INSTALL = [
    f"""
    ALTER TABLE search_document ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', {words("name")}), 'A')
        || setweight(to_tsvector('simple', {words("sku")}), 'A')
        || setweight(to_tsvector('english', {words("category_name")}), 'B')
        || setweight(to_tsvector('english', {words("description")}), 'C')
    ) STORED
    """,
    "CREATE INDEX search_document_vector_gin ON search_document USING gin (search_vector)",
]
POSTGRES_UNINSTALL = ["ALTER TABLE search_document DROP COLUMN search_vector"]

FTS_COLUMNS = "name, sku, category_name, description"
SQLITE_INSTALL = [
    f"""CREATE VIRTUAL TABLE search_document_fts USING fts5(
        {FTS_COLUMNS}, content='search_document', content_rowid='id', tokenize='porter unicode61'
    )""",
    f"""CREATE TRIGGER search_document_fts_insert AFTER INSERT ON search_document BEGIN
        INSERT INTO search_document_fts(rowid, {FTS_COLUMNS})
        VALUES (new.id, new.name, new.sku, new.category_name, new.description);
    END""",
    f"""CREATE TRIGGER search_document_fts_delete AFTER DELETE ON search_document BEGIN
        INSERT INTO search_document_fts(search_document_fts, rowid, {FTS_COLUMNS})
        VALUES ('delete', old.id, old.name, old.sku, old.category_name, old.description);
    END""",
    f"""CREATE TRIGGER search_document_fts_update AFTER UPDATE ON search_document BEGIN
        INSERT INTO search_document_fts(search_document_fts, rowid, {FTS_COLUMNS})
        VALUES ('delete', old.id, old.name, old.sku, old.category_name, old.description);
        INSERT INTO search_document_fts(rowid, {FTS_COLUMNS})
        VALUES (new.id, new.name, new.sku, new.category_name, new.description);
    END""",
    "INSERT INTO search_document_fts(search_document_fts) VALUES ('rebuild')",
]
SQLITE_UNINSTALL = [
    "DROP TRIGGER search_document_fts_update",
    "DROP TRIGGER search_document_fts_delete",
    "DROP TRIGGER search_document_fts_insert",
    "DROP TABLE search_document_fts",
]


def run(statements_by_vendor):
    """A RunPython step that runs the statements of the database in use."""

    def step(apps, schema_editor):
        """Run this vendor's statements, in order."""
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return step


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        migrations.RunPython(
            run({"postgresql": POSTGRES_INSTALL, "sqlite": SQLITE_INSTALL}),
            run({"postgresql": POSTGRES_UNINSTALL, "sqlite": SQLITE_UNINSTALL}),
        )
    ]
