"""Police referral schemes: schemes, the service directory, referral slips, redemptions and
the measures that show whether referrals reach services, without ever showing who the clients are.
"""
