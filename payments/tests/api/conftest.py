import pytest
from django.contrib.auth.models import Group, User
from rest_framework.test import APIClient


@pytest.fixture
def csr(db) -> APIClient:
    """The API as a cashier in the CSR role (what most payment calls are made as)."""
    user = User.objects.create_user("cashier", password="x")
    user.groups.add(Group.objects.get(name="CSR"))
    client = APIClient()
    client.force_authenticate(user)
    return client
