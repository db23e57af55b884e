"""Who may do what: reads are open, every write needs a token and the model permission."""

from __future__ import annotations

from rest_framework.permissions import DjangoModelPermissionsOrAnonReadOnly

from catalog.models import Category, Product, ProductMedia

# A delete takes everything below it along; the caller needs the right to delete all of it.
CASCADES = {
    Category: (Product, ProductMedia),
    Product: (ProductMedia,),
    ProductMedia: (),
}


def delete_permission(model) -> str:
    """`app.delete_model` for a model class."""
    return f"{model._meta.app_label}.delete_{model._meta.model_name}"


class CatalogPermissions(DjangoModelPermissionsOrAnonReadOnly):
    """Django model permissions, plus the delete permission of every model a delete cascades to."""

    def get_required_permissions(self, method, model_cls):
        """Add the cascade's delete permissions to DELETE."""
        perms = super().get_required_permissions(method, model_cls)
        if method == "DELETE":
            perms += [delete_permission(model) for model in CASCADES.get(model_cls, ())]
        return perms


class CanDeleteProducts(CatalogPermissions):
    """For bulk delete (a POST): the caller must be allowed to delete products and their media."""

    def has_permission(self, request, view):
        """Authenticated, with delete rights on products and media."""
        user = request.user
        return bool(
            user
            and user.is_authenticated
            and user.has_perms([delete_permission(Product), delete_permission(ProductMedia)])
        )
