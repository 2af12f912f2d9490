from accounts.tests.conftest import (  # noqa: F401 - shared fixtures
    PASSWORD,
    account,
    admin_user,
    csr,
    make_user,
    private_account,
    supervisor,
)
