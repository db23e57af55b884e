"""catalog.E001: a relation to or from an event-emitting model must not leave deletes to the database."""

from django.core import checks
from django.db import models
from django.test.utils import isolate_apps

from catalog.checks import database_level_deletes, is_database_level
from catalog.models import Category, Product, ProductMedia

EMITTING = [Category, Product, ProductMedia]


def DB_CASCADE(collector, field, sub_objs, using):  # named as Django 6.1 names it
    """A stand-in of Django 6.1's database-level cascade: Django 5.2 has none to import."""


class DatabaseOnDelete:
    """Shaped like Django 6.1's class of database-level actions: it renders its own SQL."""

    def __call__(self, collector, field, sub_objs, using):
        """Never called by a Collector."""

    def on_delete_sql(self, schema_editor):
        """The ON DELETE clause."""
        return "ON DELETE SET NULL"


def test_the_project_as_it_is_passes():
    assert [e for e in checks.run_checks() if e.id == "catalog.E001"] == []


def test_python_level_actions_pass_and_database_level_ones_do_not():
    assert not any(map(is_database_level, [models.CASCADE, models.SET_NULL, models.PROTECT, models.RESTRICT]))
    assert all(map(is_database_level, [models.DO_NOTHING, DB_CASCADE, DatabaseOnDelete()]))


class Meta:
    """The app the test models join (isolate_apps keeps them out of the real registry)."""

    app_label = "catalog"


@isolate_apps("catalog")
def test_a_relation_to_a_product_with_do_nothing_or_db_cascade_is_an_error_naming_the_field():
    class Review(models.Model):  # noqa: DJ008 - a test model
        product = models.ForeignKey(Product, on_delete=models.DO_NOTHING)
        category = models.ForeignKey(Category, on_delete=DB_CASCADE, related_name="+")
        media = models.ForeignKey(ProductMedia, on_delete=DatabaseOnDelete(), related_name="+")
        fine = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
        Meta = Meta

    class Unrelated(models.Model):  # noqa: DJ008
        other = models.ForeignKey(Review, on_delete=models.DO_NOTHING)
        Meta = Meta

    errors = database_level_deletes([Review, Unrelated], EMITTING)
    assert [error.id for error in errors] == ["catalog.E001"] * 3
    assert [error.obj.name for error in errors] == ["product", "category", "media"]
    assert "catalog.Review.product deletes with on_delete=DO_NOTHING" in errors[0].msg
    assert "on_delete=DB_CASCADE" in errors[1].msg and "catalog.Category" in errors[1].msg


@isolate_apps("catalog")
def test_a_database_level_action_on_an_emitting_model_itself_is_an_error():
    class Shelf(models.Model):  # noqa: DJ008
        Meta = Meta

    class Boxed(models.Model):  # noqa: DJ008
        shelf = models.ForeignKey(Shelf, on_delete=DB_CASCADE)
        Meta = Meta

    assert database_level_deletes([Boxed], [Boxed]) and not database_level_deletes([Boxed], EMITTING)
