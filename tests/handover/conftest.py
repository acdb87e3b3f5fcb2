from __future__ import annotations

import pyrage
import pytest

from supportline.auth.models import User
from supportline.extensions import db
from tests.inquiries.conftest import make_inquiry, token, valid_payload  # noqa: F401 - fixtures shared


@pytest.fixture
def age_key(tmp_path):
    """A recipient key pair as NCK would hold it: the public key for us, the secret in a file."""
    identity = pyrage.x25519.Identity.generate()
    path = tmp_path / "nck-identity.txt"
    path.write_text(f"# created for the test\n{identity}\n", encoding="utf-8")
    return {"recipient": str(identity.to_public()), "identity_file": path}


@pytest.fixture
def handler(create_user):
    return create_user("handler", name="Hanna Handläggare")


@pytest.fixture
def out_dir(tmp_path):
    return tmp_path / "packages"


def actor(user):
    return db.session.get(User, user.id)


__all__ = ["actor", "valid_payload"]
