"""The dashboard's fixture programme, which the DHIS2 export is checked against."""

from tests.dashboard.conftest import programme  # noqa: F401
from tests.referrals.conftest import referrals  # noqa: F401
